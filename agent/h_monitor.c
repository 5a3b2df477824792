/*
 * h_monitor.c: the node monitors (jenkins-callables.md section 3) and the
 * FilePath wrappers they arrive in (section 1.3).
 *
 * Result classes are written exactly as the catalog's section 9.3 lists
 * them (serialVersionUIDs, field order); the encoder adds LOCAL
 * class-loader annotations for the Jenkins classes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/handlers.h"
#include "protocol/command.h"

#define NF(a)	(sizeof(a) / sizeof((a)[0]))

/* Java's os.arch spelling of a uname machine. */
static const char *
java_arch(const char *m)
{
	if (strcmp(m, "x86_64") == 0)
		return "amd64";
	if (strlen(m) == 4 && m[0] == 'i' && strcmp(m + 2, "86") == 0)
		return "x86";
	if (strncmp(m, "armv", 4) == 0)
		return "arm";
	return m;	/* aarch64, ppc64le, s390x, riscv64 are the same */
}

/* ArchitectureMonitor$GetArchTask: os.name + " (" + os.arch + ")". */
static int
h_arch(struct hctx *h, const struct jser_node *callable)
{
	struct utsname	 u;
	char		 buf[sizeof(u.sysname) + sizeof(u.machine) + 4];

	if (uname(&u) == -1)
		return hctx_fail(h, "java.io.IOException", "uname failed");
	snprintf(buf, sizeof(buf), "%s (%s)", u.sysname, java_arch(u.machine));
	h->value = hctx_string(h, buf);
	return h->value != NULL ? 0 : -1;
}

/*
 * ResponseTimeMonitor$Step2{start, cur} -> $Step3{start, cur}: echo both.
 * cur (a $Data{long[] past5}) is rebuilt in our stream rather than copied,
 * so that it carries our annotations, not the controller's.
 */
static int
h_response_time(struct hctx *h, const struct jser_node *callable)
{
	static const struct hfield f_step3[] = {
		{ 'J', "start", NULL },
		{ 'L', "cur", "Lhudson/node_monitors/ResponseTimeMonitor$Data;" },
	};
	static const struct hfield f_data[] = {
		{ '[', "past5", "[J" },
	};
	struct jser_node	*cur, *past, *d, *s3, *data = NULL, *arr;
	int64_t			 start;

	if (jser_field_long(callable, "start", &start) != PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "ResponseTimeMonitor$Step2 without start");
	if (jser_field_ref(callable, "cur", &cur) != PROTO_OK)
		cur = NULL;
	if (cur != NULL && jser_instance_of(cur,
	    "hudson.node_monitors.ResponseTimeMonitor$Data")) {
		if ((d = hctx_desc(h, "hudson.node_monitors.ResponseTimeMonitor"
		    "$Data", 1, SC_SERIALIZABLE, NULL, f_data,
		    NF(f_data))) == NULL || (data = hctx_object(h, d)) == NULL)
			return -1;
		if (jser_field_ref(cur, "past5", &past) == PROTO_OK &&
		    past != NULL && past->type == JSER_ARRAY &&
		    past->u.arr.elem == 'J') {
			if ((d = hctx_desc(h, "[J", 8655923659555304851LL,
			    SC_SERIALIZABLE, NULL, NULL, 0)) == NULL ||
			    (arr = jser_new_array(h->out, d, past->u.arr.length,
			    past->u.arr.data)) == NULL ||
			    jser_set_ref(data, "past5", arr) != PROTO_OK)
				return -1;
		}
	}
	if ((d = hctx_desc(h, "hudson.node_monitors.ResponseTimeMonitor$Step3",
	    1, SC_SERIALIZABLE, NULL, f_step3, NF(f_step3))) == NULL ||
	    (s3 = hctx_object(h, d)) == NULL ||
	    jser_set_prim(s3, "start", (uint64_t)start) != PROTO_OK ||
	    jser_set_ref(s3, "cur", data) != PROTO_OK)
		return -1;
	h->value = s3;
	return 0;
}

/*
 * Slave$GetClockDifference2{startTime} -> $GetClockDifference3{remoteTime,
 * startTime} (computed suid for Jenkins >= 2.284).
 */
static int
h_clock(struct hctx *h, const struct jser_node *callable)
{
	static const struct hfield f[] = {
		{ 'J', "remoteTime", NULL },
		{ 'J', "startTime", NULL },
	};
	struct jser_node	*d, *o;
	struct timespec		 ts;
	int64_t			 start, now;

	if (jser_field_long(callable, "startTime", &start) != PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "GetClockDifference without startTime");
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if ((d = hctx_desc(h, "hudson.model.Slave$GetClockDifference3",
	    -6655128034486338777LL, SC_SERIALIZABLE, NULL, f, NF(f))) ==
	    NULL || (o = hctx_object(h, d)) == NULL ||
	    jser_set_prim(o, "remoteTime", (uint64_t)now) != PROTO_OK ||
	    jser_set_prim(o, "startTime", (uint64_t)start) != PROTO_OK)
		return -1;
	h->value = o;
	return 0;
}

/*
 * hudson.plugin.versioncolumn.VersionMonitor$SlaveVersion (versioncolumn
 * plugin): the node goes offline unless this equals the controller's
 * bundled remoting version, which is what we report.
 */
static int
h_version_column(struct hctx *h, const struct jser_node *callable)
{
	h->value = hctx_string(h, JNAGENT_REMOTING_VERSION);
	return h->value != NULL ? 0 : -1;
}

/* A /proc/meminfo value in bytes, or -1. */
static int64_t
meminfo(const char *text, const char *key)
{
	const char	*p;
	size_t		 klen = strlen(key);
	long long	 kb;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == ':' &&
		    sscanf(p + klen + 1, "%lld", &kb) == 1 && kb >= 0)
			return (int64_t)kb * 1024;
	}
	return -1;
}

/*
 * SwapSpaceMonitor$MonitorTask -> $MemoryUsage2 (super
 * org.jvnet.hudson.MemoryUsage), from /proc/meminfo; -1 = unknown.
 */
static int
h_swap(struct hctx *h, const struct jser_node *callable)
{
	static const struct hfield f[] = {
		{ 'J', "availablePhysicalMemory", NULL },
		{ 'J', "availableSwapSpace", NULL },
		{ 'J', "totalPhysicalMemory", NULL },
		{ 'J', "totalSwapSpace", NULL },
	};
	struct jser_node	*sup, *d, *o;
	FILE			*fp;
	char			 text[8192];
	size_t			 n = 0;

	if ((fp = fopen("/proc/meminfo", "r")) != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	if ((sup = hctx_desc(h, "org.jvnet.hudson.MemoryUsage", 1,
	    SC_SERIALIZABLE, NULL, f, NF(f))) == NULL ||
	    (d = hctx_desc(h, "hudson.node_monitors.SwapSpaceMonitor"
	    "$MemoryUsage2", 2216994637932270352LL, SC_SERIALIZABLE, sup,
	    NULL, 0)) == NULL || (o = hctx_object(h, d)) == NULL ||
	    jser_set_prim(o, "availablePhysicalMemory",
	    (uint64_t)meminfo(text, "MemFree")) != PROTO_OK ||
	    jser_set_prim(o, "availableSwapSpace",
	    (uint64_t)meminfo(text, "SwapFree")) != PROTO_OK ||
	    jser_set_prim(o, "totalPhysicalMemory",
	    (uint64_t)meminfo(text, "MemTotal")) != PROTO_OK ||
	    jser_set_prim(o, "totalSwapSpace",
	    (uint64_t)meminfo(text, "SwapTotal")) != PROTO_OK)
		return -1;
	h->value = o;
	return 0;
}

/*
 * DiskSpaceMonitorDescriptor$DiskSpace{size, threshold, totalSize,
 * warningThreshold, path, trigger} of the file system holding path, or
 * null when nothing is usable (as File.getUsableSpace() <= 0).
 */
static int
disk_space(struct hctx *h, const char *path)
{
	static const struct hfield f[] = {
		{ 'J', "size", NULL },
		{ 'J', "threshold", NULL },
		{ 'J', "totalSize", NULL },
		{ 'J', "warningThreshold", NULL },
		{ 'L', "path", "Ljava/lang/String;" },
		{ 'L', "trigger", "Ljava/lang/Class;" },
	};
	struct statvfs		 sv;
	struct jser_node	*d, *o, *s;
	char			*canon;
	uint64_t		 usable, total;

	if (statvfs(path, &sv) == -1) {
		h->value = NULL;	/* getUsableSpace() is 0 */
		return 0;
	}
	usable = (uint64_t)sv.f_bavail * sv.f_frsize;
	total = (uint64_t)sv.f_blocks * sv.f_frsize;
	if (usable == 0 || usable > INT64_MAX) {
		h->value = NULL;
		return 0;
	}
	canon = realpath(path, NULL);
	s = hctx_string(h, canon != NULL ? canon : path);
	free(canon);
	if (s == NULL ||
	    (d = hctx_desc(h, "hudson.node_monitors.DiskSpaceMonitorDescriptor"
	    "$DiskSpace", 2, SC_SERIALIZABLE, NULL, f, NF(f))) == NULL ||
	    (o = hctx_object(h, d)) == NULL ||
	    jser_set_prim(o, "size", usable) != PROTO_OK ||
	    jser_set_prim(o, "totalSize", total) != PROTO_OK ||
	    jser_set_ref(o, "path", s) != PROTO_OK)
		return -1;
	h->value = o;
	return 0;
}

/* DiskSpaceMonitorDescriptor$GetUsableSpace: the node root's file system. */
static int
h_usable_space(struct hctx *h, const struct jser_node *callable)
{
	return disk_space(h, h->file_path);
}

/* TemporarySpaceMonitor$GetTempSpace: the temp directory's, whatever
 * path it was given (the JVM uses java.io.tmpdir). */
static int
h_temp_space(struct hctx *h, const struct jser_node *callable)
{
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	return disk_space(h, tmp);
}

/*
 * The agent-side path of a hudson.FilePath object: its remote field, with
 * the custom boolean false ("local to the receiver").  NULL otherwise.
 */
static const char *
file_path_of(struct hctx *h, const struct jser_node *fp)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	uint8_t				 remote_is_controller = 0;

	if (fp == NULL || !jser_instance_of(fp, "hudson.FilePath"))
		return NULL;
	if ((c = jser_custom(fp, "hudson.FilePath")) != NULL) {
		jser_cursor_init(&cur, c);
		if (jser_cursor_u8(&cur, &remote_is_controller) != PROTO_OK)
			remote_is_controller = 0;
	}
	if (remote_is_controller)
		return NULL;
	return hctx_field_string(h, fp, "remote");
}

/* Run the wrapped FileCallable against the wrapper's FilePath. */
static int
run_wrapped(struct hctx *h, const struct jser_node *inner,
    const struct jser_node *fp)
{
	const char	*path, *saved = h->file_path;
	int		 r;

	if (inner == NULL)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "%s without a callable", h->cls);
	if ((path = file_path_of(h, fp)) == NULL)
		return hctx_fail(h, "java.io.IOException",
		    "%s: jnagent only acts on agent-side paths", h->cls);
	h->file_path = path;
	r = handlers_call(h, inner);
	h->file_path = saved;
	return r;
}

/* hudson.FilePath$CallableWith{task, this$0}. */
static int
h_callable_with(struct hctx *h, const struct jser_node *callable)
{
	struct jser_node	*task, *fp;

	if (jser_field_ref(callable, "task", &task) != PROTO_OK ||
	    jser_field_ref(callable, "this$0", &fp) != PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "malformed FilePath$CallableWith");
	return run_wrapped(h, task, fp);
}

/* hudson.FilePath$FileCallableWrapper{callable, filePath}. */
static int
h_file_wrapper(struct hctx *h, const struct jser_node *callable)
{
	struct jser_node	*inner, *fp;

	if (jser_field_ref(callable, "callable", &inner) != PROTO_OK ||
	    jser_field_ref(callable, "filePath", &fp) != PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "malformed FilePath$FileCallableWrapper");
	return run_wrapped(h, inner, fp);
}

const struct handler h_monitor_handlers[] = {
	{ "hudson.node_monitors.ArchitectureMonitor$GetArchTask", h_arch, 0 },
	{ "hudson.node_monitors.ResponseTimeMonitor$Step2", h_response_time,
	    0 },
	{ "hudson.model.Slave$GetClockDifference2", h_clock, 0 },
	{ "hudson.node_monitors.SwapSpaceMonitor$MonitorTask", h_swap, 0 },
	{ "hudson.node_monitors.DiskSpaceMonitorDescriptor$GetUsableSpace",
	    h_usable_space, HANDLER_FILE },
	{ "hudson.node_monitors.TemporarySpaceMonitor$GetTempSpace",
	    h_temp_space, HANDLER_FILE },
	{ "hudson.plugin.versioncolumn.VersionMonitor$SlaveVersion",
	    h_version_column, 0 },
	{ "hudson.FilePath$CallableWith", h_callable_with, 0 },
	{ "hudson.FilePath$FileCallableWrapper", h_file_wrapper, 0 },
	{ NULL, NULL, 0 },
};
