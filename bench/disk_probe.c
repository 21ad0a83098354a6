/* disk_probe.c: what the disk under a folder can do when every write must be durable.
 *
 * bench/run.sh compiles it with cc and runs it in the data folder's file system, so the
 * upload figure can be read against the disk's own limits:
 *
 *   disk_probe FOLDER SECONDS [THREADS]
 *
 * prints one "name value" line per measure (and nothing else on stdout):
 *
 *   fsync_4k_per_s      4 KiB overwritten in place + fdatasync, one thread: the device's
 *                       flush rate (no file system metadata changes)
 *   fsync_4k_per_s_N    the same with N threads, each on its own file (THREADS > 1): whether
 *                       the device or the journal merges concurrent flushes
 *   file_200k_per_s     what a put in the file store does when its folder exists: create a
 *                       file, write 200 KB, fsync it, rename it into a folder, fsync that
 *                       folder (files per second)
 *   seq_200k_mb_s       200 KB appended + fsync, one file: sequential bandwidth, 200 KB at a
 *                       time
 *   seq_8m_mb_s         8 MiB appended + fsync: sequential bandwidth of big writes
 *
 * Each measure runs for SECONDS / 5 seconds (at least 0.5).  The files live in a fresh
 * folder FOLDER/disk-probe.<pid> that is removed at the end.  Exit status 1 on any I/O error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROBE_SMALL_BYTES 4096u
#define PROBE_SMALL_SLOTS 256u             /* 4 KiB blocks each thread cycles through */
#define PROBE_FILE_BYTES (200u * 1000u)    /* the bench's attachment */
#define PROBE_BIG_BYTES (8u * 1024u * 1024u)
#define PROBE_SEQ_FILE_MAX (512u * 1024u * 1024u) /* start a new file past this size */
#define PROBE_THREADS_MAX 64

static char root[4096];
static double seconds_each;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "disk_probe: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void write_all(int fd, const unsigned char *p, size_t len, const char *path)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write", path);
		}
		p += n;
		len -= (size_t)n;
	}
}

static void pwrite_all(int fd, const unsigned char *p, size_t len, off_t off, const char *path)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("pwrite", path);
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
}

/* Bytes that do not compress or repeat, so no layer can shortcut them. */
static void fill(unsigned char *p, size_t len, unsigned seed)
{
	unsigned x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

/* ---- 4 KiB + fdatasync, overwriting preallocated blocks ---- */

struct small_arg {
	int index;
	long count;
};

static void *small_run(void *p)
{
	struct small_arg *a = p;
	unsigned char buf[PROBE_SMALL_BYTES];
	char path[4200];
	double end;
	int fd;

	snprintf(path, sizeof path, "%s/small-%d", root, a->index);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open", path);
	/* Allocate and sync the blocks first: later writes change no metadata but the times,
	 * which fdatasync does not wait for. */
	fill(buf, sizeof buf, (unsigned)a->index);
	for (unsigned i = 0; i < PROBE_SMALL_SLOTS; i++)
		pwrite_all(fd, buf, sizeof buf, (off_t)i * PROBE_SMALL_BYTES, path);
	if (fsync(fd) != 0)
		die("fsync", path);
	end = now_s() + seconds_each;
	a->count = 0;
	while (now_s() < end) {
		buf[0] = (unsigned char)a->count;
		pwrite_all(fd, buf, sizeof buf,
		           (off_t)(a->count % PROBE_SMALL_SLOTS) * PROBE_SMALL_BYTES, path);
		if (fdatasync(fd) != 0)
			die("fdatasync", path);
		a->count++;
	}
	close(fd);
	unlink(path);
	return NULL;
}

static double small_rate(int threads)
{
	pthread_t t[PROBE_THREADS_MAX];
	struct small_arg a[PROBE_THREADS_MAX];
	long total = 0;

	for (int i = 0; i < threads; i++) {
		a[i].index = i;
		a[i].count = 0;
		if (pthread_create(&t[i], NULL, small_run, &a[i]) != 0) {
			fprintf(stderr, "disk_probe: cannot start a thread\n");
			exit(1);
		}
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += a[i].count;
	}
	/* The preallocation is not part of the rate: each thread ran seconds_each after it. */
	return (double)total / seconds_each;
}

/* ---- a file store put: new file, 200 KB, fsync, rename, fsync the folder ---- */

static double file_rate(void)
{
	static unsigned char buf[PROBE_FILE_BYTES];
	char dir[4200], tmp[4300], final[4300];
	double start, end;
	long n = 0;
	int fd, dfd;

	snprintf(dir, sizeof dir, "%s/files", root);
	if (mkdir(dir, 0700) != 0)
		die("mkdir", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die("open", dir);
	/* The whole file of bytes that do not compress, once; then its first bytes differ from
	 * file to file, so no two files are the same. */
	fill(buf, sizeof buf, 1);
	start = now_s();
	end = start + seconds_each;
	while (now_s() < end) {
		memcpy(buf, &n, sizeof n);
		snprintf(tmp, sizeof tmp, "%s/tmp-%ld", dir, n);
		snprintf(final, sizeof final, "%s/f-%ld", dir, n);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			die("open", tmp);
		write_all(fd, buf, sizeof buf, tmp);
		if (fsync(fd) != 0)
			die("fsync", tmp);
		close(fd);
		if (rename(tmp, final) != 0)
			die("rename", tmp);
		if (fsync(dfd) != 0)
			die("fsync", dir);
		n++;
	}
	end = now_s();
	close(dfd);
	for (long i = 0; i < n; i++) {
		snprintf(final, sizeof final, "%s/f-%ld", dir, i);
		unlink(final);
	}
	rmdir(dir);
	return (double)n / (end - start);
}

/* ---- sequential: chunks appended to one file, fsync after each ---- */

static double seq_mb_s(size_t chunk)
{
	unsigned char *buf = malloc(chunk);
	char path[4200];
	double start, end;
	size_t written = 0, in_file = 0;
	int fd;

	if (buf == NULL) {
		fprintf(stderr, "disk_probe: out of memory\n");
		exit(1);
	}
	fill(buf, chunk, (unsigned)chunk);
	snprintf(path, sizeof path, "%s/seq", root);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open", path);
	start = now_s();
	end = start + seconds_each;
	while (now_s() < end) {
		if (in_file >= PROBE_SEQ_FILE_MAX) {
			if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
				die("truncate", path);
			in_file = 0;
		}
		buf[0]++;
		write_all(fd, buf, chunk, path);
		if (fsync(fd) != 0)
			die("fsync", path);
		written += chunk;
		in_file += chunk;
	}
	end = now_s();
	close(fd);
	unlink(path);
	free(buf);
	return (double)written / 1e6 / (end - start);
}

int main(int argc, char **argv)
{
	int threads = 1;
	double secs;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: disk_probe FOLDER SECONDS [THREADS]\n");
		return 2;
	}
	secs = atof(argv[2]);
	if (argc == 4)
		threads = atoi(argv[3]);
	if (secs <= 0 || threads < 1 || threads > PROBE_THREADS_MAX) {
		fprintf(stderr, "disk_probe: SECONDS must be positive, THREADS 1 to %d\n",
		        PROBE_THREADS_MAX);
		return 2;
	}
	seconds_each = secs / 5 < 0.5 ? 0.5 : secs / 5;
	snprintf(root, sizeof root, "%s/disk-probe.%ld", argv[1], (long)getpid());
	if (mkdir(root, 0700) != 0)
		die("mkdir", root);

	printf("fsync_4k_per_s %.0f\n", small_rate(1));
	fflush(stdout);
	if (threads > 1) {
		printf("fsync_4k_per_s_%d %.0f\n", threads, small_rate(threads));
		fflush(stdout);
	}
	printf("file_200k_per_s %.0f\n", file_rate());
	fflush(stdout);
	printf("seq_200k_mb_s %.1f\n", seq_mb_s(PROBE_FILE_BYTES));
	fflush(stdout);
	printf("seq_8m_mb_s %.1f\n", seq_mb_s(PROBE_BIG_BYTES));
	rmdir(root);
	return 0;
}
