/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Loader-wide: the name every message starts with. */
#ifndef HBC_HBC_H
#define HBC_HBC_H

#define PROG "hello-buffer-config"

#endif /* HBC_HBC_H */
