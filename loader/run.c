// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "say.h"
#include "cgroup.h"
#include "format.h"
#include "live.h"
#include "probe.h"
#include "run.h"
#include "table.h"

#define POLL_MS 50
/* How long the programs may take to report a probe exec from every CPU. */
#define LIVE_TIMEOUT_MS 10000
/* STATUS= for systemctl status, when something changed: at most this often. */
#define STATUS_INTERVAL_S 5

/* Everything a running tracer has: what was chosen, what is attached, what it counted. */
struct session {
	const struct hbc_run_opts *o;
	const struct hbc_object *obj;
	const struct hbc_btf *btf;
	struct hbc_reload *reload;
	struct hbc_notify *notify;
	struct hbc_progs p;
	struct hbc_attach a;
	struct hbc_buffer *buf;
	struct hbc_live live;		/* its probe records are not printed */
	struct hbc_cgroups *cgroups;	/* cgroup ids to paths */
	struct hbc_table table;		/* the config table in force */
	unsigned long events;		/* printed (or sent to the journal) */
	unsigned long beyond;		/* arrived after --count was reached: not printed */
	unsigned long long lost;	/* the kernel had no room for them */
	unsigned long long dropped;	/* excluded by a cgroup seen first in user space */
	unsigned long long journaled;	/* --journal: records the journal accepted */
	/* --journal: each record's text line for MESSAGE, and its entry */
	FILE *line;
	char *line_buf;
	size_t line_size;
	struct hbc_jentry entry;
	/* what the last STATUS= said, and when: it is sent again only on a change */
	unsigned long told_events;
	unsigned long long told_lost;
	unsigned long long told_excluded;
	double told_at;
};

/* Execs the config excluded: in the kernel, and first met in user space (a new cgroup). */
static unsigned long long excluded(const struct session *s)
{
	return __atomic_load_n(s->p.excluded(s->p.skel), __ATOMIC_RELAXED) + s->dropped;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		fprintf(stderr, PROG ": cannot handle SIGINT and SIGTERM: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The record as a native journal entry, its text line as MESSAGE. */
static void to_journal(struct session *s, const struct hbc_record *r)
{
	long n;

	rewind(s->line);
	hbc_format_text(s->line, r);
	fflush(s->line);
	n = ftell(s->line);
	if (n > 0 && s->line_buf[n - 1] == '\n')
		n--;
	hbc_jentry_reset(&s->entry);
	hbc_format_journal(&s->entry, r, s->line_buf, n > 0 ? (size_t)n : 0);
	if (!hbc_journal_send(s->o->journal, &s->entry))	/* said there when not accepted */
		s->journaled++;
}

/*
 * A cgroup made (not an exec): its path remembered, and under an "exclude cgroup" line
 * its id excluded at once, before the first exec in it.
 */
static void on_cgroup_made(struct session *s, const struct data_t *d)
{
	const char *path = hbc_cgroups_learn(s->cgroups, d->cgroup_id, d->path, d->path_len);

	if (path && s->table.kinds & (1u << HBC_KEY_EXCLUDE_CGROUP))
		hbc_table_learn(&s->table, &s->reload->cfg, d->cgroup_id, path);
}

/* One record, from either buffer. */
static void on_record(void *ctx, const void *data, size_t size)
{
	struct session *s = ctx;
	const struct data_t *d = data;
	struct hbc_record r = { .d = d };

	/* a header, its path and argument bytes (the perf buffer pads a record to 8 bytes) */
	if (size < HBC_RECORD_HEADER ||
	    size < (size_t)HBC_RECORD_HEADER + d->path_len + d->args_len) {
		fprintf(stderr, PROG ": a record of %zu bytes is too short: ignored\n", size);
		return;
	}
	if (d->flags & HBC_F_CGROUP_MADE) {
		on_cgroup_made(s, d);
		return;
	}
	if (hbc_live_claim(&s->live, d) || s->o->check)
		return;
	if (s->o->count && s->events >= s->o->count) {
		s->beyond++;
		return;
	}
	r.cgroup = hbc_cgroups_path(s->cgroups, d->cgroup_id);
	/* a cgroup below an "exclude cgroup" line, new since the table was built: learned */
	if (r.cgroup && s->table.kinds & (1u << HBC_KEY_EXCLUDE_CGROUP) &&
	    hbc_table_learn(&s->table, &s->reload->cfg, d->cgroup_id, r.cgroup)) {
		s->dropped++;
		return;
	}
	s->events++;
	r.wall_ns = (long long)d->boot_ns + hbc_wall_offset_ns();
	if (r.cgroup)
		hbc_container_of(r.cgroup, &r.container);
	if (s->o->output == HBC_OUT_JSON)
		hbc_format_json(stdout, &r);
	else if (s->o->output == HBC_OUT_JOURNAL)
		to_journal(s, &r);
	else
		hbc_format_text(stdout, &r);
	if (s->o->count && s->events >= s->o->count)
		stop = 1;
}

static void on_lost(void *ctx, int cpu, unsigned long long count)
{
	struct session *s = ctx;

	s->lost += count;
	if (s->o->output == HBC_OUT_JSON)
		hbc_format_json_lost(stdout, cpu, count);
	if (s->o->output == HBC_OUT_JOURNAL) {
		struct hbc_jentry f = {};

		hbc_jentry_addf(&f, "HBC_LOST", "%llu", count);
		hbc_jentry_addf(&f, "HBC_CPU", "%d", cpu);
		hbc_say(HBC_SAY_LOST, &f, PROG ": lost %llu records (%s full)", count,
			hbc_buffer_name(s->buf));
		hbc_jentry_free(&f);
	}
}

static void summary(const struct session *s)
{
	bool perf = hbc_buffer_kind(s->buf) == HBC_BUFFER_PERF;
	const struct hbc_journal *j = s->o->journal;
	struct hbc_jentry f = {};
	char journal[128] = "", beyond[48] = "", excl[48] = "";

	if (s->o->output == HBC_OUT_JSON)
		hbc_format_json_summary(stdout, s->events, s->lost, s->beyond, excluded(s));
	fflush(stdout);
	if (s->lost)
		fprintf(stderr, PROG ": lost %llu records: the %s was full%s\n", s->lost,
			hbc_buffer_name(s->buf), perf ? "; try a larger --pages" : "; try a larger --ring-size");
	if (s->o->output == HBC_OUT_JOURNAL)
		snprintf(journal, sizeof(journal), "; journal: %llu records, %llu not accepted",
			 s->journaled, s->events - s->journaled);
	if (s->o->count)
		snprintf(beyond, sizeof(beyond), ", %lu beyond --count", s->beyond);
	hbc_jentry_addf(&f, "HBC_EVENTS", "%lu", s->events);
	hbc_jentry_addf(&f, "HBC_LOST", "%llu", s->lost);
	hbc_jentry_addf(&f, "HBC_EXCLUDED", "%llu", excluded(s));
	if (j) {
		hbc_jentry_addf(&f, "HBC_JOURNAL_RECORDS", "%llu", s->journaled);
		hbc_jentry_addf(&f, "HBC_JOURNAL_FAILED", "%llu", s->events - s->journaled);
	}
	if (s->reload->cfg.nexcludes || excluded(s))
		snprintf(excl, sizeof(excl), ", %llu excluded", excluded(s));
	hbc_say(HBC_SAY_SUMMARY, &f, PROG ": %lu events, %llu lost%s%s%s", s->events, s->lost, excl,
		beyond, journal);
	hbc_jentry_free(&f);
}

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
	char journal[64] = "";

	if (s->o->output == HBC_OUT_JOURNAL)
		snprintf(journal, sizeof(journal), ", %llu not accepted by the journal",
			 s->events - s->journaled);
	s->told_events = s->events;
	s->told_lost = s->lost;
	s->told_excluded = excluded(s);	/* read once: what is said is what is compared */
	s->told_at = monotonic_s();
	hbc_notify(s->notify, "STATUS=%s, %s, btf %s; %lu events, %llu lost, %llu excluded%s; "
		   "%zu uids, %zu exclusions from %s%s%s%s", hbc_attach_names[s->a.mode],
		   hbc_buffer_name(s->buf), s->btf->what, s->events, s->lost, s->told_excluded, journal,
		   r->cfg.count,
		   r->cfg.nexcludes, r->path ? r->path : "no --config", r->reading ? "; reloading" : "",
		   r->last[0] ? "; last reload: " : "", r->last);
}

/* A STATUS= refresh when the counts changed, at most every STATUS_INTERVAL_S. */
static void status_tick(struct session *s)
{
	if ((s->events != s->told_events || s->lost != s->told_lost ||
	     excluded(s) != s->told_excluded) &&
	    monotonic_s() - s->told_at >= STATUS_INTERVAL_S)
		tell_status(s);
}

/*
 * Print records until a signal or --count stops us, re-reading the config on SIGHUP
 * (the programs stay attached and the buffer is read all along: no record is lost or
 * reordered by a reload). 0 or the -errno that ended it.
 */
static int trace(struct session *s)
{
	int err = 0;

	hbc_notify(s->notify, "READY=1");
	tell_status(s);
	while (!stop) {
		err = hbc_buffer_poll(s->buf, POLL_MS);
		fflush(stdout);
		if (err == -EINTR)
			err = 0;
		if (err) {
			fprintf(stderr, PROG ": reading the %s: %s\n", hbc_buffer_name(s->buf),
				strerror(-err));
			break;
		}
		/* a reload reads the file in a thread: the buffer is read all along */
		if (hbc_reload_wanted() && !s->reload->reading && !stop) {
			hbc_reload_begin(s->reload, s->notify);
			tell_status(s);
		}
		if (hbc_reload_finish(s->reload, &s->p, &s->table, s->cgroups, s->notify))
			tell_status(s);
		status_tick(s);
	}
	hbc_notify(s->notify, "STOPPING=1");
	return err;
}

/* Detached, nothing new arrives: print what is still buffered, then the summary. */
static int drain(struct session *s)
{
	int err = hbc_buffer_drain(s->buf);

	if (err < 0)
		fprintf(stderr, PROG ": draining the %s: %s\n", hbc_buffer_name(s->buf), strerror(-err));
	summary(s);
	return err < 0 ? err : 0;
}

static int open_object(struct session *s)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = s->btf->custom_path);
	int err = s->obj->open(&s->p, &opts);

	if (err)
		fprintf(stderr, PROG ": cannot open the %s BPF object: %s\n", s->obj->name,
			strerror(-err));
	return err;
}

/*
 * The record scratch slots: one per possible CPU for each role of a program that can be
 * loaded (enum hbc_scratch_role; the raw compat exit's only with --raw-syscalls).
 */
static int size_scratch(struct session *s)
{
	int cpus = libbpf_num_possible_cpus(), err;
	__u32 roles = s->o->raw_syscalls ? HBC_SCRATCH_ROLES : HBC_SCRATCH_RAW_EXIT;

	err = cpus < 0 ? cpus : bpf_map__set_max_entries(s->p.scratch, (__u32)cpus * roles);
	if (err) {
		fprintf(stderr, PROG ": cannot size the record scratch map for the possible CPUs: %s\n",
			strerror(-err));
		return err;
	}
	*s->p.scratch_cpus = (unsigned int)cpus;
	return 0;
}

/*
 * Before load: the argument bytes per record and how a failed exec's are walked, the
 * record scratch slots, which programs to load, and the buffer's maps. The buffer kind
 * chosen, or -errno.
 */
static int configure(struct session *s)
{
	int err;
	char why[160];
	/* a failed exec's arguments walked with bpf_loop() where the kernel has it */
	bool loop = hbc_bpf_loop_usable(why, sizeof(why));

	*s->p.args_max = (unsigned int)s->o->args_max;
	if (!loop && s->o->args_max)
		hbc_say(HBC_SAY_ARGS, NULL, "args: %s: a failed exec's arguments are read by bounded "
			"loops, at most %d of them", why, HBC_ARGV_SCAN_LOOPS);
	err = size_scratch(s);
	if (err)
		return err;
	hbc_attach_plan(&s->a, &s->p, s->o->attach, s->o->raw_syscalls, loop);
	return hbc_buffer_setup(&s->p, s->o->buffer, s->o->pages, s->o->ring_bytes);
}

static int load(struct session *s)
{
	int err = bpf_object__load_skeleton(s->p.skeleton);

	if (!err)
		return 0;
	if (hbc_jit_required())
		fprintf(stderr, PROG ": cannot load the %s BPF object: this kernel runs programs that "
			"call bpf_get_current_task() only JIT-compiled, and its BPF JIT is off "
			"(net.core.bpf_jit_enable 0): turn it on with 'sysctl -w net.core.bpf_jit_enable=1' "
			"(a file in /etc/sysctl.d/ keeps it on at boot) and start again\n", s->obj->name);
	else
		fprintf(stderr, PROG ": cannot load the %s BPF object into this kernel: %s; "
			"run with --verbose for libbpf's log\n", s->obj->name, strerror(-err));
	return err;
}

/* Attached, and seen to report execs on every CPU: then, and only then, "attached:". */
static int attach(struct session *s, int kind)
{
	struct hbc_buffer_ops ops = { .record = on_record, .lost = on_lost, .ctx = s };
	int err = hbc_table_install(&s->table, &s->p, &s->reload->cfg, s->cgroups);

	if (err)
		return err;
	s->buf = hbc_buffer_open(&s->p, kind, s->o->pages, &ops);
	if (!s->buf)
		return -errno;
	err = hbc_attach_link(&s->a, &s->p);
	if (err)
		return err;
	if (!s->o->check && s->o->output == HBC_OUT_TEXT)
		hbc_format_text_header(stdout);
	err = hbc_live_init(&s->live);
	if (!err)
		err = hbc_live_prove(&s->live, s->buf, LIVE_TIMEOUT_MS);
	if (!err)
		hbc_attach_say(&s->a);
	return err;
}

static void report_check(const struct session *s)
{
	printf("check: ok: object %s (%zu bytes, sha256 %s), btf %s, attached %s\n", s->obj->name,
	       s->obj->size, s->obj->sha256, s->btf->what, hbc_attach_names[s->a.mode]);
}

int hbc_run(const struct hbc_run_opts *o, const struct hbc_object *obj, const struct hbc_btf *btf,
	    struct hbc_reload *reload, struct hbc_notify *notify)
{
	struct session s = { .o = o, .obj = obj, .btf = btf, .reload = reload, .notify = notify,
			     .table = { .fd = -1 } };
	int err, kind, drained;

	err = setup_signals();
	if (err)
		return err;
	if (o->output == HBC_OUT_JOURNAL && !(s.line = open_memstream(&s.line_buf, &s.line_size)))
		return -errno;
	err = open_object(&s);
	if (err)
		return err;
	s.cgroups = hbc_cgroups_open("/proc/self/mountinfo");
	if (!s.cgroups) {
		err = -ENOMEM;
		goto out;
	}
	kind = configure(&s);
	err = kind < 0 ? kind : load(&s);
	if (!err)
		err = attach(&s, kind);
	if (err)
		goto out;
	if (o->check) {
		report_check(&s);
		goto out;
	}
	err = trace(&s);
	hbc_attach_detach(&s.a);
	drained = drain(&s);
	err = err ? err : drained;
out:
	hbc_attach_detach(&s.a);
	hbc_buffer_free(s.buf);
	hbc_live_free(&s.live);
	hbc_cgroups_free(s.cgroups);
	hbc_table_close(&s.table);
	s.p.destroy(s.p.skel);
	hbc_jentry_free(&s.entry);
	if (s.line)
		fclose(s.line);
	free(s.line_buf);
	return err;
}

/* run.h: the output from the command line and the environment. */
int hbc_run_output(struct hbc_run_opts *o, bool given, struct hbc_journal *j)
{
	bool stream = hbc_journal_stream_is_stdout();
	int err;

	if (given && o->output != HBC_OUT_JOURNAL)
		return 0;
	if (!given && !stream)
		return 0;
	err = hbc_journal_open(j, HBC_JOURNAL_SOCKET);
	if (err && given)
		return err;
	if (err) {
		fprintf(stderr, "output: text: JOURNAL_STREAM names stdout, but the journal's socket "
			"cannot be used (above)\n");
		return 0;
	}
	o->output = HBC_OUT_JOURNAL;
	o->journal = j;
	hbc_say_to(j);
	hbc_say(HBC_SAY_OUTPUT, NULL, "output: journal, native entries on %s (%s)", HBC_JOURNAL_SOCKET,
		given ? "--journal" : "JOURNAL_STREAM names stdout");
	return 0;
}
