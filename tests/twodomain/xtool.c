// SPDX-License-Identifier: GPL-2.0
/*
 * Streams for the backend tests (tests/twodomain/backends.c), in dom0 and
 * in the domU alike (linked statically):
 *   xtool gen SEED BYTES     write BYTES of pseudo-random stream SEED
 *   xtool send HOST PORT     send stdin over one TCP connection
 *   xtool recv PORT          accept one TCP connection, copy it to stdout
 * The stream is the same on both sides, so a checksum of what went
 * through a backend (busybox md5sum) can be compared with one of the
 * stream itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK	(64 * 1024)

static unsigned char buf[CHUNK];

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Copy @in to @out until end of file; 0, or -1 on an error. */
static int copy(int in, int out)
{
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (!n)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (write_all(out, buf, n))
			return -1;
	}
}

/* xorshift64*: fast, and the same stream for the same seed everywhere. */
static int gen(uint64_t seed, unsigned long long bytes)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	while (bytes) {
		size_t len = bytes < sizeof(buf) ? bytes : sizeof(buf), i;

		for (i = 0; i < len; i += 8) {
			uint64_t v;

			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			v = x * 0x2545f4914f6cdd1dULL;
			memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
		}
		if (write_all(1, buf, len))
			return -1;
		bytes -= len;
	}
	return 0;
}

static int send_stdin(const char *host, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int tries;

	if (s < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -1;
	/* The receiver may still be starting: try for 10 s. */
	for (tries = 0; connect(s, (struct sockaddr *)&sa, sizeof(sa)); tries++) {
		if (tries == 100 || (errno != ECONNREFUSED && errno != EINTR))
			return -1;
		usleep(100 * 1000);
	}
	if (copy(0, s) || shutdown(s, SHUT_WR))
		return -1;
	/* The receiver closes once it has everything. */
	while (read(s, buf, sizeof(buf)) > 0)
		;
	return close(s);
}

static int recv_stdout(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, s, c;

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1))
		return -1;
	c = accept(s, NULL, NULL);
	if (c < 0 || copy(c, 1))
		return -1;
	close(c);
	return close(s);
}

int main(int argc, char **argv)
{
	int ret = -1;

	if (argc == 4 && !strcmp(argv[1], "gen"))
		ret = gen(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
	else if (argc == 4 && !strcmp(argv[1], "send"))
		ret = send_stdin(argv[2], atoi(argv[3]));
	else if (argc == 3 && !strcmp(argv[1], "recv"))
		ret = recv_stdout(atoi(argv[2]));
	else
		fprintf(stderr, "usage: xtool gen SEED BYTES | send HOST PORT | recv PORT\n");
	if (ret)
		perror("xtool");
	return ret ? 1 : 0;
}
