// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hello-buffer-config: print one line per execve() on this machine, with a
 * per-uid message, using the BPF object built for the machine it runs on.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "attach.h"
#include "buffer.h"
#include "config.h"
#include "corecheck.h"
#include "format.h"
#include "kbtf.h"
#include "live.h"
#include "objects.h"
#include "notify.h"
#include "probe.h"
#include "reload.h"
#include "table.h"

#define EXIT_USAGE 2
#define DEFAULT_PAGES 64
#define POLL_MS 50
/* How long the programs may take to report a probe exec from every CPU. */
#define LIVE_TIMEOUT_MS 10000
/* STATUS= for systemctl status, when something changed: at most this often. */
#define STATUS_INTERVAL_S 5

struct options {
	const char *config;
	const char *check_btf;		/* --check-btf FILE */
	const char *arch;		/* --arch NAME: the object to check */
	const char *btf;		/* --btf FILE: instead of the kernel's */
	const char *reload;		/* --reload PID */
	enum hbc_attach_mode attach;
	enum hbc_buffer_kind buffer;
	unsigned long count;		/* 0: forever */
	unsigned long pages;		/* perf buffer pages per CPU */
	bool json;
	bool check;
	bool raw_syscalls;		/* --raw-syscalls */
	bool verbose;
};

/* What became of the records that reached us. */
struct tally {
	const struct options *opt;
	struct hbc_live *live;		/* its probe records are not printed */
	unsigned long events;		/* printed */
	unsigned long beyond;		/* arrived after --count was reached: not printed */
	unsigned long long lost;	/* the kernel had no room for them */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

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
		"pid, uid, command, syscall, result, path and a per-uid message.\n\n"
		"  -c, --config FILE    per-uid messages: lines 'UID MESSAGE' (message at most %d bytes)\n"
		"  -j, --json           JSON lines instead of text columns\n"
		"  -n, --count N        exit after N events\n"
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
		"      --reload PID     make the running " PROG " PID re-read its --config file, and\n"
		"                       wait until it is in force; exit 1 if it was refused\n"
		"  -v, --verbose        show libbpf's log\n"
		"  -V, --version        version and the BPF objects this build carries\n"
		"  -h, --help           this text\n\n"
		"On SIGHUP it re-reads the --config file without detaching; a file that does not\n"
		"parse is refused (file:line on stderr) and the previous messages stay in force.\n"
		"On SIGINT or SIGTERM (or after --count events) it detaches, prints what is still\n"
		"buffered, then a summary on stderr: events printed, lost, and beyond --count.\n"
		"Under systemd (NOTIFY_SOCKET) it reports READY=1 once attached, and its status.\n",
		HBC_MESSAGE_LEN - 1, DEFAULT_PAGES);
}

static int parse_ulong(const char *opt, const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, PROG ": %s expects a number from %lu to %lu, not '%s'\n",
			opt, min, max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* @s as one of @names[@n] (an enum's words, in order); a message naming them if not. */
static int parse_choice(const char *opt, const char *s, const char *const *names, size_t n,
			int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	fprintf(stderr, PROG ": %s expects %s, %s or %s, not '%s'\n", opt, names[0], names[1],
		names[2], s);
	return -EINVAL;
}

enum { OPT_CHECK = 256, OPT_ATTACH, OPT_PAGES, OPT_BUFFER, OPT_CHECK_BTF, OPT_ARCH, OPT_BTF,
       OPT_RAW_SYSCALLS, OPT_RELOAD };

/* Returns 0 to run, 1 when done (--help printed), 'V' for --version, or -EINVAL. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "check-btf", required_argument, NULL, OPT_CHECK_BTF },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "raw-syscalls", no_argument, NULL, OPT_RAW_SYSCALLS },
		{ "reload", required_argument, NULL, OPT_RELOAD },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, choice, given = 0;

	while ((c = getopt_long(argc, argv, "c:jn:vVh", longopts, NULL)) != -1) {
		given++;
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'j': o->json = true; break;
		case 'n':
			if (parse_ulong("--count", optarg, 1, ULONG_MAX, &o->count))
				return -EINVAL;
			break;
		case OPT_CHECK: o->check = true; break;
		case OPT_CHECK_BTF: o->check_btf = optarg; break;
		case OPT_BTF: o->btf = optarg; break;
		case OPT_RAW_SYSCALLS: o->raw_syscalls = true; break;
		case OPT_RELOAD: o->reload = optarg; break;
		case OPT_ARCH: o->arch = optarg; break;
		case OPT_ATTACH:
			if (parse_choice("--attach", optarg, hbc_attach_names, HBC_ATTACH_MODES, &choice))
				return -EINVAL;
			o->attach = (enum hbc_attach_mode)choice;
			break;
		case OPT_PAGES:
			if (parse_ulong("--pages", optarg, 1, 65536, &o->pages))
				return -EINVAL;
			if (o->pages & (o->pages - 1)) {
				fprintf(stderr, PROG ": --pages must be a power of 2, not %lu\n", o->pages);
				return -EINVAL;
			}
			break;
		case OPT_BUFFER:
			if (parse_choice("--buffer", optarg, hbc_buffer_names, HBC_BUFFER_KINDS, &choice))
				return -EINVAL;
			o->buffer = (enum hbc_buffer_kind)choice;
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
	if (o->raw_syscalls && o->attach == HBC_ATTACH_KSYSCALL) {
		fprintf(stderr, PROG ": --raw-syscalls goes with tracepoints; with --attach ksyscall the "
			"32-bit entries are kprobes\n");
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

static const struct hbc_object *object_for_this_machine(void)
{
	const struct hbc_object *o;
	struct utsname u;
	char carried[256];

	if (uname(&u)) {
		fprintf(stderr, PROG ": uname: %s\n", strerror(errno));
		return NULL;
	}
	o = hbc_object_for_machine(u.machine);
	if (!o) {
		hbc_objects_machines(carried, sizeof(carried));
		fprintf(stderr, PROG ": unsupported architecture '%s'; this build carries: %s\n",
			u.machine, carried);
	}
	return o;
}

/* One record, from either buffer. */
static void on_record(void *ctx, const void *data, size_t size)
{
	struct tally *t = ctx;
	const struct data_t *d = data;

	/* a header and its path bytes (the perf buffer pads a record to 8 bytes) */
	if (size < HBC_RECORD_HEADER || size < HBC_RECORD_HEADER + d->path_len) {
		fprintf(stderr, PROG ": a record of %zu bytes is too short: ignored\n", size);
		return;
	}
	if (hbc_live_claim(t->live, d) || t->opt->check)
		return;
	if (t->opt->count && t->events >= t->opt->count) {
		t->beyond++;
		return;
	}
	t->events++;
	if (t->opt->json)
		hbc_format_json(stdout, d);
	else
		hbc_format_text(stdout, d);
	if (t->opt->count && t->events >= t->opt->count)
		stop = 1;
}

static void on_lost(void *ctx, int cpu, unsigned long long count)
{
	struct tally *t = ctx;

	t->lost += count;
	if (t->opt->json)
		hbc_format_json_lost(stdout, cpu, count);
}

static void summary(const struct tally *t, const struct hbc_buffer *b)
{
	if (t->opt->json)
		hbc_format_json_summary(stdout, t->events, t->lost, t->beyond);
	fflush(stdout);
	if (t->lost)
		fprintf(stderr, PROG ": lost %llu records: the %s was full%s\n", t->lost,
			hbc_buffer_name(b), t->opt->buffer == HBC_BUFFER_PERF ? "; try a larger --pages" : "");
	fprintf(stderr, PROG ": %lu events, %llu lost", t->events, t->lost);
	if (t->opt->count)
		fprintf(stderr, ", %lu beyond --count", t->beyond);
	fputc('\n', stderr);
}

/* Everything a running tracer has: what was chosen, what is attached, what it counted. */
struct session {
	const struct options *opt;
	const struct hbc_object *obj;
	const struct hbc_btf *btf;
	struct hbc_progs p;
	struct hbc_attach a;
	struct hbc_buffer *buf;
	struct hbc_live live;
	struct tally t;
	struct hbc_reload *reload;
	struct hbc_notify *notify;
	/* what the last STATUS= said, and when: it is sent again only on a change */
	unsigned long told_events;
	unsigned long long told_lost;
	double told_at;
};

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* STATUS= (systemctl status): what is attached, through what, the counts, the config. */
static void tell_status(struct session *s)
{
	const struct hbc_reload *r = s->reload;

	s->told_events = s->t.events;
	s->told_lost = s->t.lost;
	s->told_at = monotonic_s();

	hbc_notify(s->notify, "STATUS=%s, %s, btf %s; %lu events, %llu lost; %zu uids from %s%s%s",
		   hbc_attach_names[s->a.mode], hbc_buffer_name(s->buf), s->btf->what, s->t.events,
		   s->t.lost, r->cfg.count, r->path ? r->path : "no --config",
		   r->last[0] ? "; last reload: " : "", r->last);
}

/* A STATUS= refresh when the counts changed, at most every STATUS_INTERVAL_S. */
static void status_tick(struct session *s)
{
	if ((s->t.events != s->told_events || s->t.lost != s->told_lost) &&
	    monotonic_s() - s->told_at >= STATUS_INTERVAL_S)
		tell_status(s);
}

/*
 * Print records until a signal or --count stops us, re-reading the config on SIGHUP
 * (the programs stay attached and the buffer is read all along: no record is lost or
 * reordered by a reload); then detach, so that nothing new arrives, and print what is
 * still buffered before the summary.
 */
static int trace(struct session *s)
{
	struct tally *t = &s->t;
	struct hbc_buffer *b = s->buf;
	int err = 0, drained;

	hbc_notify(s->notify, "READY=1");
	tell_status(s);
	while (!stop) {
		err = hbc_buffer_poll(b, POLL_MS);
		fflush(stdout);
		if (err == -EINTR)
			err = 0;
		if (err) {
			fprintf(stderr, PROG ": reading the %s: %s\n", hbc_buffer_name(b), strerror(-err));
			break;
		}
		if (hbc_reload_wanted() && !stop) {
			hbc_reload(s->reload, &s->p, s->notify);
			tell_status(s);
		}
		status_tick(s);
	}
	hbc_notify(s->notify, "STOPPING=1");
	hbc_attach_detach(&s->a);
	drained = hbc_buffer_drain(b);
	if (drained < 0)
		fprintf(stderr, PROG ": draining the %s: %s\n", hbc_buffer_name(b), strerror(-drained));
	summary(t, b);
	return err ? err : drained;
}

static int open_object(const struct hbc_object *obj, const struct hbc_btf *btf, struct hbc_progs *p)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf->custom_path);
	int err = obj->open(p, &opts);

	if (err)
		fprintf(stderr, PROG ": cannot open the %s BPF object: %s\n", obj->name,
			strerror(-err));
	return err;
}

static int load_object(const struct hbc_object *obj, const struct hbc_progs *p)
{
	int err = bpf_object__load_skeleton(p->skeleton);

	if (err)
		fprintf(stderr, PROG ": cannot load the %s BPF object into this kernel: %s; "
			"run with --verbose for libbpf's log\n", obj->name, strerror(-err));
	return err;
}

static int setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

/* Load, configure, open the buffer, attach: then --check's report, or the trace. */
static int run(struct session *s)
{
	const struct options *o = s->opt;
	struct hbc_buffer_ops ops = { .record = on_record, .lost = on_lost, .ctx = &s->t };
	int kind, err;

	s->t.opt = o;
	s->t.live = &s->live;
	err = open_object(s->obj, s->btf, &s->p);
	if (err)
		return err;
	hbc_attach_plan(&s->a, &s->p, o->attach, o->raw_syscalls);
	kind = hbc_buffer_setup(&s->p, o->buffer, o->pages);
	err = kind < 0 ? kind : load_object(s->obj, &s->p);
	if (!err)
		err = hbc_table_install(&s->p, &s->reload->cfg);
	if (!err) {
		s->buf = hbc_buffer_open(&s->p, kind, o->pages, &ops);
		err = s->buf ? 0 : -errno;
	}
	if (!err)
		err = hbc_attach_link(&s->a, &s->p);
	if (!err && !o->check && !o->json)
		hbc_format_text_header(stdout);
	/* "attached:" only once the programs are seen to report execs on every CPU */
	if (!err)
		err = hbc_live_init(&s->live);
	if (!err)
		err = hbc_live_prove(&s->live, s->buf, LIVE_TIMEOUT_MS);
	if (!err)
		hbc_attach_say(&s->a);
	if (!err && o->check)
		printf("check: ok: object %s (%zu bytes, sha256 %s), btf %s, attached %s\n",
		       s->obj->name, s->obj->size, s->obj->sha256, s->btf->what,
		       hbc_attach_names[s->a.mode]);
	else if (!err)
		err = trace(s);
	hbc_attach_detach(&s->a);
	hbc_buffer_free(s->buf);
	hbc_live_free(&s->live);
	s->p.destroy(s->p.skel);
	return err;
}

/* --check-btf: the object of --arch (or this machine's) against a BTF file. */
static int check_btf(const struct options *o)
{
	const struct hbc_object *obj = o->arch ? hbc_object_for(o->arch) : object_for_this_machine();
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
	return hbc_corecheck(obj, o->check_btf, o->json);
}

int main(int argc, char **argv)
{
	struct options o = { .attach = HBC_ATTACH_AUTO, .buffer = HBC_BUFFER_AUTO, .pages = DEFAULT_PAGES };
	struct hbc_btf btf = { .fd = -1 };
	struct hbc_reload reload = {};
	struct hbc_notify notify = { .fd = -1 };
	struct session s = { .opt = &o, .btf = &btf, .reload = &reload, .notify = &notify };
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
	s.obj = object_for_this_machine();
	if (!s.obj)
		return EXIT_USAGE;
	reload.path = o.config;
	if (o.config && hbc_config_load(o.config, &reload.cfg, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_USAGE;
	}
	libbpf_set_print(o.verbose ? libbpf_print : NULL);
	ret = hbc_btf_choose(&btf, s.obj, o.btf);
	if (ret) {
		ret = ret == -EINVAL ? EXIT_USAGE : 1;
		goto out;
	}
	if (!hbc_have_privileges()) {
		fprintf(stderr, PROG ": needs root, or CAP_BPF and CAP_PERFMON: run it with sudo\n");
		ret = 1;
		goto out;
	}
	fprintf(stderr, "btf: %s\n", btf.what);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (setup_signals()) {
		ret = 1;
		goto out;
	}
	hbc_notify_open(&notify);
	ret = run(&s) ? 1 : 0;
out:
	hbc_notify_close(&notify);
	hbc_btf_release(&btf);
	hbc_reload_free(&reload);
	return ret;
}
