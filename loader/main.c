// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hello-buffer-config: print one record per exec attempt on this machine, with a
 * per-uid message, using the BPF object built for the machine it runs on.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "args.h"
#include "config.h"
#include "corecheck.h"
#include "objects.h"
#include "probe.h"
#include "run.h"
#include "say.h"

#define EXIT_USAGE 2
#define DEFAULT_PAGES 64
/* --ring-size: the default is HBC_RINGBUF_BYTES */
#define RING_BYTES_MIN (4UL * HBC_RINGBUF_WAKEUP_BYTES)
#define RING_BYTES_MAX (1UL << 30)

struct options {
	struct hbc_run_opts run;
	const char *config;
	const char *check_btf;		/* --check-btf FILE */
	const char *arch;		/* --arch NAME: the object to check */
	const char *btf;		/* --btf FILE: instead of the kernel's */
	const char *reload;		/* --reload PID */
	bool output_given;		/* --json or --journal */
	bool verbose;
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [OPTIONS]\n"
		"Print one line per exec attempt on this machine (execve, execveat, 32-bit entries):\n"
		"time, pid, parent, ids, tty, command, syscall, result, container and cgroup, path,\n"
		"arguments and a per-uid message.\n\n"
		"  -c, --config FILE    per-uid messages: lines 'UID MESSAGE' (message at most %d bytes)\n"
		"  -j, --json           JSON lines instead of text columns\n"
		"      --journal        each record a native journal entry with a field per record\n"
		"                       field (HBC_PID=, HBC_PATH=...), status lines too; the default\n"
		"                       when systemd connects stdout to the journal (JOURNAL_STREAM)\n"
		"  -n, --count N        exit after N events\n"
		"      --args-max N     argument bytes per record, 1 to %d (default %d); longer\n"
		"                       argument lists are cut and flagged\n"
		"      --no-args        leave the arguments out (command lines may hold secrets)\n"
		"      --check          load and attach, report what was used, detach, exit\n"
		"      --check-btf FILE check offline that the object relocates against the kernel\n"
		"                       BTF in FILE (raw, e.g. a copy of /sys/kernel/btf/vmlinux, or an\n"
		"                       ELF with .BTF); exit 0 all resolved, 1 not, 2 bad input, 3 the\n"
		"                       check could not run. Needs root (libbpf probes this kernel;\n"
		"                       nothing stays loaded), not BTF\n"
		"      --arch NAME      with --check-btf: the object NAME, or the one for machine NAME\n"
		"                       (a uname -m value), as --version lists them, instead of this\n"
		"                       machine's\n"
		"      --btf FILE       the kernel's types from FILE (raw BTF or an ELF with .BTF)\n"
		"                       instead of " HBC_KERNEL_BTF " or the BTF this build carries\n"
		"                       for kernels without it\n"
		"      --attach MODE    auto (default), ksyscall or tracepoint\n"
		"      --raw-syscalls   with tracepoints (no kprobes): report 32-bit execs' entries\n"
		"                       and failures too, through the raw sys_enter/sys_exit\n"
		"                       tracepoints: a BPF program on every system call of the\n"
		"                       machine. Without it their successes are still reported\n"
		"                       (syscall \"unknown\", command the new program's)\n"
		"      --buffer KIND    auto (default: ring where the kernel has it), ring or perf\n"
		"      --pages N        perf buffer pages per CPU, a power of 2 (default %d)\n"
		"      --ring-size SIZE ring buffer bytes, a power of 2 from 256K to 1G; K and M\n"
		"                       suffixes (KiB, MiB) (default %luM)\n"
		"      --reload PID     make the running " PROG " PID re-read its --config file, and\n"
		"                       wait until it is in force; exit 1 if it was refused\n"
		"  -v, --verbose        show libbpf's log\n"
		"  -V, --version        version and the BPF objects this build carries\n"
		"  -h, --help           this text\n\n"
		"On SIGHUP it re-reads the --config file without detaching; a file that does not\n"
		"parse is refused (file:line on stderr), the previous messages and exclusions stay.\n"
		"On SIGINT or SIGTERM (or after --count events) it detaches, prints what is still\n"
		"buffered, then a summary on stderr: events printed, lost, and beyond --count.\n"
		"Under systemd (NOTIFY_SOCKET) it reports READY=1 once attached, and its status.\n",
		HBC_MESSAGE_LEN - 1, HBC_ARGS_MAX, HBC_ARGS_DEFAULT, DEFAULT_PAGES,
		(unsigned long)HBC_RINGBUF_BYTES >> 20);
}

enum { OPT_CHECK = 256, OPT_ATTACH, OPT_PAGES, OPT_BUFFER, OPT_CHECK_BTF, OPT_ARCH, OPT_BTF,
       OPT_RAW_SYSCALLS, OPT_RELOAD, OPT_ARGS_MAX, OPT_NO_ARGS, OPT_JOURNAL, OPT_RING_SIZE };

_Static_assert(HBC_ATTACH_MODES == 3 && HBC_BUFFER_KINDS == 3, "hbc_arg_choice() takes three words");

/* Returns 0 to run, 1 when done (--help printed), 'V' for --version, or -EINVAL. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "journal", no_argument, NULL, OPT_JOURNAL },
		{ "count", required_argument, NULL, 'n' },
		{ "args-max", required_argument, NULL, OPT_ARGS_MAX },
		{ "no-args", no_argument, NULL, OPT_NO_ARGS },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "check-btf", required_argument, NULL, OPT_CHECK_BTF },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "raw-syscalls", no_argument, NULL, OPT_RAW_SYSCALLS },
		{ "reload", required_argument, NULL, OPT_RELOAD },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, choice, given = 0, args_given = 0, outputs = 0;

	while ((c = getopt_long(argc, argv, "c:jn:vVh", longopts, NULL)) != -1) {
		given++;
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'j': o->run.output = HBC_OUT_JSON; outputs++; break;
		case OPT_JOURNAL: o->run.output = HBC_OUT_JOURNAL; outputs++; break;
		case 'n':
			if (hbc_arg_ulong("--count", optarg, 1, ULONG_MAX, &o->run.count))
				return -EINVAL;
			break;
		case OPT_ARGS_MAX:
			if (hbc_arg_ulong("--args-max", optarg, 1, HBC_ARGS_MAX, &o->run.args_max))
				return -EINVAL;
			args_given |= 1;
			break;
		case OPT_NO_ARGS: o->run.args_max = 0; args_given |= 2; break;
		case OPT_CHECK: o->run.check = true; break;
		case OPT_CHECK_BTF: o->check_btf = optarg; break;
		case OPT_BTF: o->btf = optarg; break;
		case OPT_RAW_SYSCALLS: o->run.raw_syscalls = true; break;
		case OPT_RELOAD: o->reload = optarg; break;
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_ATTACH:
			if (hbc_arg_choice("--attach", optarg, hbc_attach_names, &choice))
				return -EINVAL;
			o->run.attach = (enum hbc_attach_mode)choice;
			break;
		case OPT_PAGES:
			if (hbc_arg_ulong("--pages", optarg, 1, 65536, &o->run.pages))
				return -EINVAL;
			if (o->run.pages & (o->run.pages - 1)) {
				fprintf(stderr, PROG ": --pages must be a power of 2, not %lu\n", o->run.pages);
				return -EINVAL;
			}
			break;
		case OPT_RING_SIZE:
			if (hbc_arg_size("--ring-size", optarg, RING_BYTES_MIN, RING_BYTES_MAX,
				       &o->run.ring_bytes))
				return -EINVAL;
			break;
		case OPT_BUFFER:
			if (hbc_arg_choice("--buffer", optarg, hbc_buffer_names, &choice))
				return -EINVAL;
			o->run.buffer = (enum hbc_buffer_kind)choice;
			break;
		case 'v': o->verbose = true; break;
		case 'V': return 'V';
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->reload && given > 1) {
		fprintf(stderr, PROG ": --reload PID goes alone\n");
		return -EINVAL;
	}
	if (o->arch && !o->check_btf) {
		fprintf(stderr, PROG ": --arch goes with --check-btf\n");
		return -EINVAL;
	}
	if (o->run.raw_syscalls && o->run.attach == HBC_ATTACH_KSYSCALL) {
		fprintf(stderr, PROG ": --raw-syscalls goes with tracepoints; with --attach ksyscall the "
			"32-bit entries are kprobes\n");
		return -EINVAL;
	}
	o->output_given = outputs > 0;
	if (outputs > 1) {
		fprintf(stderr, PROG ": --json and --journal contradict each other: give one\n");
		return -EINVAL;
	}
	if (args_given == 3) {
		fprintf(stderr, PROG ": --args-max and --no-args contradict each other: give one\n");
		return -EINVAL;
	}
	if (o->btf && o->check_btf) {
		fprintf(stderr, PROG ": --btf does not go with --check-btf (which names its own file)\n");
		return -EINVAL;
	}
	return 0;
}

static void print_version(void)
{
	int name_w = 0, machine_w = 0;

	printf(PROG " %s\n", HBC_VERSION);
	printf("libbpf %u.%u\n", libbpf_major_version(), libbpf_minor_version());
	for (size_t i = 0; i < hbc_objects_count; i++) {	/* the columns' widths */
		int n = (int)strlen(hbc_objects[i]->name), m = (int)strlen(hbc_objects[i]->machines[0]);

		name_w = n > name_w ? n : name_w;
		machine_w = m > machine_w ? m : machine_w;
	}
	for (size_t i = 0; i < hbc_objects_count; i++) {
		const struct hbc_object *o = hbc_objects[i];

		size_t bytes = 0;

		printf("object %-*s machine %-*s %6zu bytes  sha256 %s\n", name_w, o->name, machine_w,
		       o->machines[0], o->size, o->sha256);
		for (size_t k = 0; k < o->btfs_count; k++)
			bytes += o->btfs[k].size;
		if (o->btfs_count)
			printf("  btf for %zu kernel release%s without BTF (%zu bytes)\n", o->btfs_count,
			       o->btfs_count == 1 ? "" : "s", bytes);
	}
}



/* --check-btf: the object of --arch (or this machine's) against a BTF file. */
static int check_btf(const struct options *o)
{
	const struct hbc_object *obj = o->arch ? hbc_object_for(o->arch) : hbc_object_for_this_machine();
	char carried[256];

	if (!obj && o->arch) {
		hbc_objects_machines(carried, sizeof(carried));
		fprintf(stderr, PROG ": --arch: no object for '%s'; this build carries: %s\n", o->arch,
			carried);
	}
	if (!obj)
		return HBC_CHECK_BAD_INPUT;
	if (!hbc_have_privileges()) {
		fprintf(stderr, PROG ": --check-btf needs root, or CAP_BPF: libbpf probes this kernel "
			"while it relocates (nothing is loaded): run it with sudo\n");
		return HBC_CHECK_FAILED;
	}
	libbpf_set_print(o->verbose ? libbpf_print : NULL);
	return hbc_corecheck(obj, o->check_btf, o->run.output == HBC_OUT_JSON);
}

int main(int argc, char **argv)
{
	struct options o = { .run = { .attach = HBC_ATTACH_AUTO, .buffer = HBC_BUFFER_AUTO,
				      .pages = DEFAULT_PAGES, .ring_bytes = HBC_RINGBUF_BYTES,
				      .args_max = HBC_ARGS_DEFAULT } };
	struct hbc_btf btf = { .fd = -1 };
	struct hbc_reload reload = {};
	struct hbc_notify notify = { .fd = -1 };
	struct hbc_journal journal = { .fd = -1 };
	const struct hbc_object *obj;
	char err[512];
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret == 'V') {
		print_version();
		return 0;
	}
	if (ret)
		return ret < 0 ? EXIT_USAGE : 0;
	if (o.reload)
		return hbc_reload_ask(o.reload);
	if (o.check_btf)
		return check_btf(&o);
	/* from here on a SIGHUP asks for a reload (its default would kill us) */
	if (hbc_reload_signals())
		return 1;
	obj = hbc_object_for_this_machine();
	if (!obj)
		return EXIT_USAGE;
	reload.path = o.config;
	if (o.config && hbc_config_load(o.config, &reload.cfg, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_USAGE;
	}
	libbpf_set_print(o.verbose ? libbpf_print : NULL);
	ret = hbc_btf_choose(&btf, obj, o.btf);
	if (ret) {
		ret = ret == -EINVAL ? EXIT_USAGE : 1;
		goto out;
	}
	if (!hbc_have_privileges()) {
		fprintf(stderr, PROG ": needs root, or CAP_BPF and CAP_PERFMON: run it with sudo\n");
		ret = 1;
		goto out;
	}
	ret = hbc_run_output(&o.run, o.output_given, &journal);
	if (ret) {
		ret = 1;
		goto out;
	}
	hbc_say(HBC_SAY_BTF, NULL, "btf: %s", btf.what);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	hbc_notify_open(&notify);
	ret = hbc_run(&o.run, obj, &btf, &reload, &notify) ? 1 : 0;
out:
	hbc_say_to(NULL);
	hbc_journal_close(&journal);
	hbc_notify_close(&notify);
	hbc_btf_release(&btf);
	hbc_reload_free(&reload);
	return ret;
}
