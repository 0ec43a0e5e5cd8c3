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
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "config.h"
#include "format.h"
#include "objects.h"
#include "probe.h"

#define PROG "hello-buffer-config"
#define EXIT_USAGE 2
#define DEFAULT_PAGES 64
#define POLL_MS 50

enum attach_mode { ATTACH_AUTO, ATTACH_KSYSCALL, ATTACH_TRACEPOINT };
enum buffer_kind { BUFFER_AUTO, BUFFER_RING, BUFFER_PERF };

struct options {
	const char *config;
	enum attach_mode attach;
	enum buffer_kind buffer;
	unsigned long count;		/* 0: forever */
	unsigned long pages;		/* perf buffer pages per CPU */
	bool json;
	bool check;
	bool verbose;
};

struct run {
	const struct options *opt;
	unsigned long events;
	unsigned long long lost;
};

static const char *const buffer_names[] = { "auto", "ring", "perf" };

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
		"Print one line per execve() on this machine: pid, uid, command, path, message.\n\n"
		"  -c, --config FILE    per-uid messages: lines 'UID MESSAGE' (message at most %d bytes)\n"
		"  -j, --json           JSON lines instead of text columns\n"
		"  -n, --count N        exit after N events\n"
		"      --check          load and attach, report what was used, detach, exit\n"
		"      --attach MODE    auto (default), ksyscall or tracepoint\n"
		"      --buffer KIND    auto (default: ring where the kernel has it), ring or perf\n"
		"      --pages N        perf buffer pages per CPU, a power of 2 (default %d)\n"
		"  -v, --verbose        show libbpf's log\n"
		"  -V, --version        version and the BPF objects this build carries\n"
		"  -h, --help           this text\n",
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

static int parse_attach(const char *s, enum attach_mode *mode)
{
	if (strcmp(s, "auto") == 0)
		*mode = ATTACH_AUTO;
	else if (strcmp(s, "ksyscall") == 0)
		*mode = ATTACH_KSYSCALL;
	else if (strcmp(s, "tracepoint") == 0)
		*mode = ATTACH_TRACEPOINT;
	else {
		fprintf(stderr, PROG ": --attach expects auto, ksyscall or tracepoint, not '%s'\n", s);
		return -EINVAL;
	}
	return 0;
}

static int parse_buffer(const char *s, enum buffer_kind *kind)
{
	for (size_t i = 0; i < sizeof(buffer_names) / sizeof(buffer_names[0]); i++) {
		if (strcmp(s, buffer_names[i]) == 0) {
			*kind = (enum buffer_kind)i;
			return 0;
		}
	}
	fprintf(stderr, PROG ": --buffer expects auto, ring or perf, not '%s'\n", s);
	return -EINVAL;
}

enum { OPT_CHECK = 256, OPT_ATTACH, OPT_PAGES, OPT_BUFFER };

/* Returns 0 to run, 1 when done (help/version printed), or -EINVAL. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:jn:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'j': o->json = true; break;
		case 'n':
			if (parse_ulong("--count", optarg, 1, ULONG_MAX, &o->count))
				return -EINVAL;
			break;
		case OPT_CHECK: o->check = true; break;
		case OPT_ATTACH:
			if (parse_attach(optarg, &o->attach))
				return -EINVAL;
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
			if (parse_buffer(optarg, &o->buffer))
				return -EINVAL;
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
	return 0;
}

static void print_version(void)
{
	printf(PROG " %s\n", HBC_VERSION);
	for (size_t i = 0; i < hbc_objects_count; i++) {
		const struct hbc_object *o = hbc_objects[i];

		printf("object %-6s machine %-8s %6zu bytes  sha256 %s\n", o->name, o->machines[0],
		       o->size, o->sha256);
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

/* The program to attach, and why, for the "attached:" line. */
static enum attach_mode choose_mode(enum attach_mode want, const char **why)
{
	if (want != ATTACH_AUTO) {
		*why = " (requested)";
		return want;
	}
	if (hbc_kprobes_available()) {
		*why = "";
		return ATTACH_KSYSCALL;
	}
	*why = " (kprobes unavailable)";
	return ATTACH_TRACEPOINT;
}

static int fill_config(const struct hbc_progs *p, const struct hbc_config *cfg)
{
	int fd = bpf_map__fd(p->config);

	for (size_t i = 0; i < cfg->count; i++) {
		struct user_msg_t v = {};

		memcpy(v.message, cfg->entries[i].message, sizeof(v.message));
		if (bpf_map_update_elem(fd, &cfg->entries[i].uid, &v, BPF_NOEXIST)) {
			int err = -errno;

			fprintf(stderr, PROG ": cannot store the message for uid %u: %s\n",
				cfg->entries[i].uid, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Attach the loaded program of @mode. 0 or -errno; a failure is reported by the caller. */
static int attach(const struct hbc_progs *p, enum attach_mode mode, struct bpf_link **link)
{
	*link = bpf_program__attach(mode == ATTACH_KSYSCALL ? p->ksyscall : p->tracepoint);
	return *link ? 0 : -errno;
}

static const char *attach_name(enum attach_mode mode)
{
	return mode == ATTACH_KSYSCALL ? "ksyscall execve" : "tracepoint syscalls/sys_enter_execve";
}

/* One record, from either buffer. */
static void on_record(struct run *r, const void *data, size_t size)
{
	const struct data_t *d = data;

	if (size < sizeof(*d))
		return;
	if (r->opt->count && r->events >= r->opt->count)
		return;
	r->events++;
	if (r->opt->json)
		hbc_format_json(stdout, d);
	else
		hbc_format_text(stdout, d);
	if (r->opt->count && r->events >= r->opt->count)
		stop = 1;
}

static void on_lost(struct run *r, int cpu, unsigned long long count)
{
	r->lost += count;
	if (r->opt->json)
		hbc_format_json_lost(stdout, cpu, count);
}

static void on_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	on_record(ctx, data, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 count)
{
	on_lost(ctx, cpu, count);
}

static int on_ring_record(void *ctx, void *data, size_t size)
{
	on_record(ctx, data, size);
	return 0;
}

/* Poll until stopped; poll() returns records handled or -errno. */
static int poll_loop(struct run *r, int (*poll)(void *buf, int ms), void *buf,
		     const __u64 *dropped)
{
	unsigned long long seen = 0;
	int err = 0;

	while (!stop) {
		err = poll(buf, POLL_MS);
		fflush(stdout);
		if (dropped && *dropped != seen) {	/* the ring buffer counts its own losses */
			on_lost(r, -1, *dropped - seen);
			seen = *dropped;
			fflush(stdout);
		}
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, PROG ": reading the buffer: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
	return err;
}

static int poll_perf(void *pb, int ms)
{
	return perf_buffer__poll(pb, ms);
}

/* The BPF side wakes us only for a batch: drain what is there when the wait times out. */
static int poll_ring(void *rb, int ms)
{
	int n = ring_buffer__poll(rb, ms);

	return n == 0 ? ring_buffer__consume(rb) : n;
}

static int consume(const struct hbc_progs *p, const struct options *o, bool ring)
{
	struct run r = { .opt = o };
	struct perf_buffer *pb = NULL;
	struct ring_buffer *rb = NULL;
	int err;

	if (ring)
		rb = ring_buffer__new(bpf_map__fd(p->ringbuf), on_ring_record, &r, NULL);
	else
		pb = perf_buffer__new(bpf_map__fd(p->output), o->pages, on_perf_sample,
				      on_perf_lost, &r, NULL);
	if (!rb && !pb) {
		err = -errno;
		fprintf(stderr, PROG ": cannot open the %s buffer: %s\n", ring ? "ring" : "perf",
			strerror(-err));
		return err;
	}
	if (!o->json)
		hbc_format_text_header(stdout);
	if (ring)
		err = poll_loop(&r, poll_ring, rb, p->dropped(p->skel));
	else
		err = poll_loop(&r, poll_perf, pb, NULL);
	ring_buffer__free(rb);
	perf_buffer__free(pb);
	if (r.lost)
		fprintf(stderr, PROG ": lost %llu records; try a larger %s\n", r.lost,
			ring ? "buffer" : "--pages");
	fprintf(stderr, PROG ": %lu events, %llu lost\n", r.events, r.lost);
	return err;
}

/* Ring buffer where the kernel has one (or as asked); says which on stderr. */
static bool choose_buffer(const struct options *o)
{
	bool ring;

	if (o->buffer != BUFFER_AUTO)
		ring = o->buffer == BUFFER_RING;
	else
		ring = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	if (ring)
		fprintf(stderr, "buffer: ring buffer, %d KiB%s\n", HBC_RINGBUF_BYTES / 1024,
			o->buffer == BUFFER_RING ? " (requested)" : "");
	else
		fprintf(stderr, "buffer: perf buffer, %lu pages per CPU%s\n", o->pages,
			o->buffer == BUFFER_PERF ? " (requested)" : " (ring buffer unsupported)");
	return ring;
}

/* Without a ring buffer the unused map becomes a one-entry array any kernel can create. */
static int set_buffer(const struct hbc_progs *p, bool ring)
{
	*p->use_ringbuf = ring;
	if (ring)
		return 0;
	if (bpf_map__set_type(p->ringbuf, BPF_MAP_TYPE_ARRAY) ||
	    bpf_map__set_key_size(p->ringbuf, sizeof(__u32)) ||
	    bpf_map__set_value_size(p->ringbuf, sizeof(__u32)) ||
	    bpf_map__set_max_entries(p->ringbuf, 1))
		return -EINVAL;
	return 0;
}

static int open_object(const struct hbc_object *obj, struct hbc_progs *p)
{
	int err = obj->open(p, NULL);

	if (err)
		fprintf(stderr, PROG ": cannot open the %s BPF object: %s\n", obj->name,
			strerror(-err));
	return err;
}

static int load_object(const struct hbc_object *obj, struct hbc_progs *p, enum attach_mode mode,
		       bool ring)
{
	int err = set_buffer(p, ring);

	if (err) {
		fprintf(stderr, PROG ": cannot set up the perf buffer fallback\n");
		return err;
	}
	bpf_program__set_autoload(p->ksyscall, mode == ATTACH_KSYSCALL);
	bpf_program__set_autoload(p->tracepoint, mode == ATTACH_TRACEPOINT);
	err = bpf_object__load_skeleton(p->skeleton);
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

/* Everything up to an attached program of @mode; *attaching: failed at the attach. */
static int setup(const struct hbc_object *obj, const struct hbc_config *cfg, struct hbc_progs *p,
		 enum attach_mode mode, bool ring, struct bpf_link **link, bool *attaching)
{
	int err = 0;

	*attaching = false;
	if (mode == ATTACH_TRACEPOINT)
		err = hbc_ensure_tracefs();
	if (!err)
		err = open_object(obj, p);
	if (!err)
		err = load_object(obj, p, mode, ring);
	if (!err)
		err = fill_config(p, cfg);
	if (!err) {
		*attaching = true;
		err = attach(p, mode, link);
	}
	return err;
}

static void teardown(struct hbc_progs *p, struct bpf_link **link)
{
	bpf_link__destroy(*link);
	*link = NULL;
	if (p->skel)
		p->destroy(p->skel);
	memset(p, 0, sizeof(*p));
}

static int run(const struct options *o, const struct hbc_object *obj, const struct hbc_config *cfg)
{
	struct hbc_progs p = {};
	struct bpf_link *link = NULL;
	enum attach_mode mode;
	const char *why;
	char reason[128];
	bool ring, attaching;
	int err;

	mode = choose_mode(o->attach, &why);
	ring = choose_buffer(o);
	err = setup(obj, cfg, &p, mode, ring, &link, &attaching);
	if (err && attaching && mode == ATTACH_KSYSCALL && o->attach == ATTACH_AUTO) {
		/* kprobes exist, but not on this function (e.g. no kprobes on ftrace sites) */
		snprintf(reason, sizeof(reason), " (ksyscall attach failed: %s)", strerror(-err));
		teardown(&p, &link);
		mode = ATTACH_TRACEPOINT;
		why = reason;
		err = setup(obj, cfg, &p, mode, ring, &link, &attaching);
	}
	if (err && attaching)
		fprintf(stderr, PROG ": cannot attach %s: %s%s\n", attach_name(mode), strerror(-err),
			mode == ATTACH_KSYSCALL ? "; try --attach tracepoint" : "");
	if (!err)
		fprintf(stderr, "attached: %s%s\n", attach_name(mode), why);
	if (!err && o->check)
		printf("check: ok: object %s (%zu bytes, sha256 %s), attached %s\n", obj->name,
		       obj->size, obj->sha256, mode == ATTACH_KSYSCALL ? "ksyscall" : "tracepoint");
	else if (!err)
		err = consume(&p, o, ring);
	teardown(&p, &link);
	return err;
}

int main(int argc, char **argv)
{
	struct options o = { .attach = ATTACH_AUTO, .buffer = BUFFER_AUTO, .pages = DEFAULT_PAGES };
	struct hbc_config cfg = {};
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

	obj = object_for_this_machine();
	if (!obj)
		return EXIT_USAGE;
	if (o.config && hbc_config_load(o.config, &cfg, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_USAGE;
	}
	if (!hbc_have_privileges()) {
		fprintf(stderr, PROG ": needs root, or CAP_BPF and CAP_PERFMON: run it with sudo\n");
		ret = 1;
		goto out;
	}
	if (access(HBC_KERNEL_BTF, R_OK)) {
		fprintf(stderr, PROG ": this kernel has no BTF (" HBC_KERNEL_BTF "); it needs a "
			"kernel built with CONFIG_DEBUG_INFO_BTF=y\n");
		ret = 1;
		goto out;
	}
	libbpf_set_print(o.verbose ? libbpf_print : NULL);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (setup_signals()) {
		ret = 1;
		goto out;
	}
	ret = run(&o, obj, &cfg) ? 1 : 0;
out:
	hbc_config_free(&cfg);
	return ret;
}
