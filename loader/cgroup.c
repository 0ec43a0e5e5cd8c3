// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hbc.h"
#include "say.h"
#include "cgroup.h"

/* Cached ids (a power of 2); past 3/4 full the cache starts afresh: bounded memory. */
#define CACHE_SLOTS 4096
/* FILEID_KERNFS: the handle type of kernfs (cgroup2) files, its 8 bytes the id. */
#define FILEID_KERNFS 0xfe
/* cgroup2 nests at most this deep (the kernel's default cgroup.max.depth is unlimited). */
#define WALK_DEPTH 32

struct slot {
	uint64_t id;			/* 0: empty (the root's id is 1) */
	char *path;			/* NULL: unknown (the cgroup is gone) */
};

struct hbc_cgroups {
	int mount_fd;			/* the cgroup2 mount; -1: none usable */
	bool found;			/* a cgroup2 mount was found (paths or not) */
	char root[PATH_MAX];		/* the mount's root in the hierarchy ("/" but in a cgroupns) */
	char point[PATH_MAX];		/* where it is mounted */
	char what[2 * PATH_MAX];
	struct slot *slots;
	size_t used;
};

/* @s up to the next space, octal escapes (\040 \011 \012 \134) undone, into @out. */
static const char *field(const char *s, char *out, size_t len)
{
	size_t o = 0;

	while (*s && *s != ' ' && *s != '\n') {
		char c = *s++;

		if (c == '\\' && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' &&
		    s[2] >= '0' && s[2] <= '7') {
			c = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
			s += 3;
		}
		if (o + 1 >= len)
			return NULL;
		out[o++] = c;
	}
	out[o] = '\0';
	return *s == ' ' ? s + 1 : s;
}

int hbc_cgroups_mountinfo_line(const char *line, char *root, size_t root_len, char *point,
			       size_t point_len)
{
	char skip[PATH_MAX], fstype[64];
	const char *s = line, *sep;

	/* mount id, parent id, major:minor, then root and mount point */
	for (int i = 0; i < 3 && s; i++)
		s = field(s, skip, sizeof(skip));
	if (s)
		s = field(s, root, root_len);
	if (s)
		s = field(s, point, point_len);
	sep = s ? strstr(s, " - ") : NULL;
	if (!sep)
		return -EINVAL;
	if (!field(sep + 3, fstype, sizeof(fstype)))
		return -EINVAL;
	return strcmp(fstype, "cgroup2") ? -ENOENT : 0;
}

/* The first cgroup2 mount of @mountinfo, into @c; -ENOENT without one. */
static int find_mount(struct hbc_cgroups *c, const char *mountinfo)
{
	FILE *f = fopen(mountinfo, "re");
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (hbc_cgroups_mountinfo_line(line, c->root, sizeof(c->root), c->point,
					       sizeof(c->point)) == 0) {
			err = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return err;
}

/* Open cgroup @id by its handle: an fd, or -errno (ESTALE: the cgroup is gone). */
static int open_id(const struct hbc_cgroups *c, uint64_t id)
{
	struct {
		struct file_handle h;
		unsigned char bytes[sizeof(uint64_t)];
	} fh = { .h = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	int fd;

	memcpy(fh.h.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(c->mount_fd, &fh.h, O_RDONLY | O_PATH | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

struct hbc_cgroups *hbc_cgroups_open(const char *mountinfo)
{
	struct hbc_cgroups *c = calloc(1, sizeof(*c));
	int err, fd;

	if (!c || !(c->slots = calloc(CACHE_SLOTS, sizeof(*c->slots)))) {
		free(c);
		fprintf(stderr, PROG ": out of memory\n");
		return NULL;
	}
	c->mount_fd = -1;
	err = find_mount(c, mountinfo);
	if (err) {
		snprintf(c->what, sizeof(c->what), "no cgroup2 mount in %s (%s): ids only", mountinfo,
			 strerror(-err));
		goto say;
	}
	c->found = true;
	c->mount_fd = open(c->point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->mount_fd < 0) {
		snprintf(c->what, sizeof(c->what), "v2 at %s: %s: ids only", c->point, strerror(errno));
		goto say;
	}
	/* the root's handle (id 1) shows whether handles can be opened here at all */
	fd = open_id(c, 1);
	if (fd < 0) {
		snprintf(c->what, sizeof(c->what), "v2 at %s: open_by_handle_at: %s%s: ids only",
			 c->point, strerror(-fd), fd == -EPERM ? " (needs CAP_DAC_READ_SEARCH)" : "");
		close(c->mount_fd);
		c->mount_fd = -1;
		goto say;
	}
	close(fd);
	snprintf(c->what, sizeof(c->what), "v2 at %s, paths by file handle", c->point);
say:
	hbc_say(HBC_SAY_CGROUP, NULL, "cgroup: %s", c->what);
	return c;
}

const char *hbc_cgroups_what(const struct hbc_cgroups *c)
{
	return c->what;
}

/* The path under the cgroup2 root of the directory open as @fd, malloc'd; NULL if none. */
static char *path_of_fd(const struct hbc_cgroups *c, int fd)
{
	char link[64], target[PATH_MAX], *out;
	size_t plen = strlen(c->point);
	const char *rest;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	if (strncmp(target, c->point, plen) || (target[plen] != '/' && target[plen] != '\0'))
		return NULL;		/* outside the mount: not reachable from here */
	rest = target + plen;
	if (strcmp(c->root, "/") == 0)
		return strdup(rest[0] ? rest : "/");
	if (asprintf(&out, "%s%s", c->root, rest) < 0)
		return NULL;
	return out;
}

static void cache_clear(struct hbc_cgroups *c)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(c->slots[i].path);
		c->slots[i] = (struct slot){ 0 };
	}
	c->used = 0;
}

static struct slot *cache_slot(struct hbc_cgroups *c, uint64_t id)
{
	size_t i = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 52) & (CACHE_SLOTS - 1);

	while (c->slots[i].id && c->slots[i].id != id)
		i = (i + 1) & (CACHE_SLOTS - 1);
	return &c->slots[i];
}

/* The slot for @id: its own, or a free one (the cache cleared first when full). */
static struct slot *slot_for(struct hbc_cgroups *c, uint64_t id)
{
	struct slot *s = cache_slot(c, id);

	if (s->id || c->used < CACHE_SLOTS / 4 * 3)
		return s;
	cache_clear(c);
	return cache_slot(c, id);
}

const char *hbc_cgroups_learn(struct hbc_cgroups *c, uint64_t id, const char *path, size_t len)
{
	struct slot *s;
	char *copy;

	if (!c || id == 0 || len == 0 || path[0] != '/' || memchr(path, '\0', len)) {
		errno = EINVAL;
		return NULL;
	}
	copy = strndup(path, len);
	if (!copy)
		return NULL;
	s = slot_for(c, id);
	if (!s->id)
		c->used++;
	free(s->path);		/* an ESTALE read first (a perf buffer's other CPU): now known */
	s->id = id;
	s->path = copy;
	return copy;
}

const char *hbc_cgroups_path(struct hbc_cgroups *c, uint64_t id)
{
	struct slot *s;
	int fd;

	if (!c || id == 0)
		return NULL;
	s = cache_slot(c, id);
	if (s->id)
		return s->path;
	if (c->mount_fd < 0)
		return NULL;
	s = slot_for(c, id);
	fd = open_id(c, id);
	if (fd < 0 && fd != -ESTALE)
		return NULL;		/* not known now (out of fds...): asked again next time */
	s->id = id;
	s->path = fd < 0 ? NULL : path_of_fd(c, fd);	/* ESTALE: gone for good */
	c->used++;
	if (fd >= 0)
		close(fd);
	return s->path;
}

void hbc_cgroups_free(struct hbc_cgroups *c)
{
	if (!c)
		return;
	cache_clear(c);
	free(c->slots);
	if (c->mount_fd >= 0)
		close(c->mount_fd);
	free(c);
}

/* The id of the cgroup directory @name in @dirfd (its kernfs file handle), or -errno. */
static int id_at(int dirfd, const char *name, uint64_t *id)
{
	struct {
		struct file_handle h;
		unsigned char bytes[64];
	} fh = { .h = { .handle_bytes = 64 } };
	int mount_id;

	if (name_to_handle_at(dirfd, name, &fh.h, &mount_id, 0))
		return -errno;
	if (fh.h.handle_bytes != sizeof(*id))
		return -EOPNOTSUPP;
	memcpy(id, fh.h.f_handle, sizeof(*id));
	return 0;
}

static int walk(int dirfd, const char *name, int depth, int (*fn)(void *ctx, uint64_t id), void *ctx)
{
	struct dirent *e;
	uint64_t id = 0;
	DIR *dir;
	int fd, err = id_at(dirfd, name, &id);

	if (!err)
		err = fn(ctx, id);
	if (err || depth >= WALK_DEPTH)
		return err;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* removed meanwhile */
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while (!err && (e = readdir(dir)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			err = walk(fd, e->d_name, depth + 1, fn, ctx);
	closedir(dir);
	return err == -ENOENT ? 0 : err;	/* a child removed meanwhile */
}

int hbc_cgroups_walk(const struct hbc_cgroups *c, const char *path,
		     int (*fn)(void *ctx, uint64_t id), void *ctx)
{
	size_t rlen = strlen(c->root);
	const char *rel = path;
	char dir[PATH_MAX];

	if (!c->found)
		return -ENODEV;
	if (strcmp(c->root, "/")) {	/* in a cgroup namespace: paths below its root only */
		if (strncmp(path, c->root, rlen) || (path[rlen] && path[rlen] != '/'))
			return -ENOENT;
		rel = path + rlen;
	}
	if (snprintf(dir, sizeof(dir), "%s%s", c->point, rel) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	return walk(AT_FDCWD, dir, 0, fn, ctx);
}
