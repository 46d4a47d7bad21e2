/*
 * virtual-meter: the meter core on a host, speaking the BLE protocol
 * (docs/ble-protocol.md) over TCP instead of a BLE UART, for demos, web
 * tests and the BLE gateway.  One client at a time; its bytes are the
 * UART stream.  The EEPROM is a 1024-byte file, so state persists.
 *
 * Time runs at wall-clock speed (one meter tick per second); flow can be
 * simulated with --flow-lpm or, with --debug, the DEBUG_PULSES message.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hal.h"
#include "meter.h"
#include "proto.h"

static uint8_t	nv[HS_HAL_NV_SIZE];
static int	nv_fd = -1;
static int	client = -1;

/* IEC 62055-41 sample STA tables: TEST ONLY (EA07 demos). */
static const uint8_t sta_s1[16] = { 12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5,
    13, 6, 9, 7, 11 };
static const uint8_t sta_s2[16] = { 6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1,
    15, 0, 11, 8, 5 };
static const uint8_t sta_p[64] = { 29, 27, 34, 9, 16, 62, 55, 2, 40, 49,
    38, 25, 33, 61, 30, 23, 1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17,
    48, 28, 24, 39, 3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45,
    37, 43, 44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8 };

void
hs_hal_nv_read(uint16_t addr, void *buf, uint16_t len)
{
	memcpy(buf, nv + addr, len);
}

/* Write through to the file at once, so killing the process at any
 * moment is a power cut the journal is built for. */
void
hs_hal_nv_write(uint16_t addr, const void *buf, uint16_t len)
{
	memcpy(nv + addr, buf, len);
	if (nv_fd >= 0 && pwrite(nv_fd, nv + addr, len, addr) != (ssize_t)len)
		fprintf(stderr, "virtual-meter: eeprom write: %s\n",
		    strerror(errno));
}

void
hs_hal_valve(uint8_t open)
{
	fprintf(stderr, "virtual-meter: valve %s\n", open ? "open" : "closed");
}

void
hs_hal_link_write(const uint8_t *buf, uint8_t len)
{
	if (client >= 0 && send(client, buf, len, MSG_NOSIGNAL) != len) {
		close(client);
		client = -1;
	}
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: virtual-meter [--port N] [--eeprom FILE] [--meter-id N | --drn DIGITS]\n"
	    "         [--key HEX32] [--dk HEX] [--ea 7|11] [--sgc N] [--ti N] [--krn N]\n"
	    "         [--kt N] [--ken N] [--credit LITRES] [--ppl N] [--low-credit L]\n"
	    "         [--commit L] [--flow-lpm N] [--time UNIX] [--debug]\n");
	exit(2);
}

static int
hex(const char *s, uint8_t *out, size_t n)
{
	size_t		i;
	unsigned	v;

	if (strlen(s) != 2 * n)
		return (-1);
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return (-1);
		out[i] = (uint8_t)v;
	}
	return (0);
}

static unsigned long
num(const char *opt, const char *s, unsigned long max)
{
	char		*end;
	unsigned long	v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > max) {
		fprintf(stderr, "virtual-meter: %s: bad value '%s'\n", opt, s);
		exit(2);
	}
	return (v);
}

static int
listen_on(unsigned port)
{
	struct sockaddr_in	sa;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getenv("HS_VMETER_ANY") != NULL)
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 1) != 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

int
main(int argc, char **argv)
{
	static struct hs_meter		m;
	static struct hs_proto		p;
	struct hs_sts_sta_table		sta;
	struct hs_meter_provision	prov;
	struct pollfd			pf[2];
	const char			*eeprom = NULL;
	unsigned			port = 7700, flow_lpm = 0, debug = 0;
	uint8_t				buf[256];
	uint32_t			flow_acc = 0;
	time_t				last;
	ssize_t				n;
	int				i, lfd, have_dk = 0;

	memset(&prov, 0, sizeof(prov));
	prov.conf.meter_id = 12345678;
	prov.conf.pulses_per_l = 1;
	prov.conf.low_credit_l = 500;
	prov.conf.commit_l = 10;
	prov.ea = HS_STS_EA11;
	prov.kt = HS_STS_KT_DUTK;
	prov.ken = HS_STS_KEN_NONE;
	prov.sgc = 123457;
	prov.unix_time = (uint32_t)time(NULL);
	for (i = 0; i < 16; i++)
		prov.conf.key[i] = (uint8_t)i;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--debug") == 0) {
			debug = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(o, "--port") == 0)
			port = (unsigned)num(o, v, 65535);
		else if (strcmp(o, "--eeprom") == 0)
			eeprom = v;
		else if (strcmp(o, "--meter-id") == 0)
			prov.conf.meter_id = (uint32_t)num(o, v, 0xFFFFFFFFUL);
		else if (strcmp(o, "--drn") == 0) {
			/* 11-digit DRN: the id is the number without its
			 * Luhn digit (must fit 32 bits). */
			if (hs_sts_drn_validate(v, strlen(v)) != HS_STS_OK ||
			    strlen(v) != 11) {
				fprintf(stderr, "virtual-meter: --drn: not an "
				    "11-digit meter number with Luhn digit\n");
				return (2);
			}
			char id[11];
			memcpy(id, v, 10);
			id[10] = '\0';
			prov.conf.meter_id = (uint32_t)num(o, id, 0xFFFFFFFFUL);
		} else if (strcmp(o, "--key") == 0) {
			if (hex(v, prov.conf.key, 16) != 0)
				usage();
		} else if (strcmp(o, "--dk") == 0) {
			memset(prov.dk, 0, 16);
			if (hex(v, prov.dk, strlen(v) == 16 ? 8 : 16) != 0)
				usage();
			have_dk = 1;
		} else if (strcmp(o, "--ea") == 0)
			prov.ea = (uint8_t)num(o, v, 11);
		else if (strcmp(o, "--sgc") == 0)
			prov.sgc = (uint32_t)num(o, v, 999999);
		else if (strcmp(o, "--ti") == 0)
			prov.ti = (uint8_t)num(o, v, 99);
		else if (strcmp(o, "--krn") == 0)
			prov.krn = (uint8_t)num(o, v, 15);
		else if (strcmp(o, "--kt") == 0)
			prov.kt = (uint8_t)num(o, v, 3);
		else if (strcmp(o, "--ken") == 0)
			prov.ken = (uint8_t)num(o, v, 255);
		else if (strcmp(o, "--credit") == 0)
			prov.credit_l = (uint32_t)num(o, v, 0x7FFFFFFFUL);
		else if (strcmp(o, "--ppl") == 0)
			prov.conf.pulses_per_l = (uint16_t)num(o, v, 1000);
		else if (strcmp(o, "--low-credit") == 0)
			prov.conf.low_credit_l = (uint16_t)num(o, v, 65535);
		else if (strcmp(o, "--commit") == 0)
			prov.conf.commit_l = (uint8_t)num(o, v, 255);
		else if (strcmp(o, "--flow-lpm") == 0)
			flow_lpm = (unsigned)num(o, v, 1000);
		else if (strcmp(o, "--time") == 0)
			prov.unix_time = (uint32_t)num(o, v, 0xFFFFFFFFUL);
		else
			usage();
	}
	if (prov.ea != HS_STS_EA07 && prov.ea != HS_STS_EA11) {
		fprintf(stderr, "virtual-meter: --ea must be 7 or 11\n");
		return (2);
	}
	if (!have_dk)
		fprintf(stderr, "virtual-meter: no --dk: using an all-zero "
		    "decoder key\n");
	if (prov.conf.pulses_per_l == 0 || prov.conf.commit_l == 0) {
		fprintf(stderr, "virtual-meter: --ppl and --commit must be "
		    "at least 1\n");
		return (2);
	}
	if (eeprom != NULL) {
		if ((nv_fd = open(eeprom, O_RDWR | O_CREAT, 0600)) < 0) {
			fprintf(stderr, "virtual-meter: %s: %s\n", eeprom,
			    strerror(errno));
			return (1);
		}
		if (pread(nv_fd, nv, sizeof(nv), 0) < 0)
			return (1);
	}
	(void)hs_sts_sta_table_init(&sta, sta_s1, sta_s2, sta_p, NULL);
	if (hs_meter_boot(&m, &sta) != 0) {
		fprintf(stderr, "virtual-meter: provisioning a new meter\n");
		hs_meter_provision(&prov);
		if (hs_meter_boot(&m, &sta) != 0)
			return (1);
	}
	hs_meter_battery(&m, 3000);
	hs_proto_init(&p, &m, (uint8_t)debug);
	if ((lfd = listen_on(port)) < 0) {
		fprintf(stderr, "virtual-meter: port %u: %s\n", port,
		    strerror(errno));
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "virtual-meter: meter %lu on tcp port %u, credit %ld L\n",
	    (unsigned long)m.conf.meter_id, port, (long)hs_meter_credit(&m));
	last = time(NULL);
	for (;;) {
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		pf[1].fd = client;
		pf[1].events = POLLIN;
		if (poll(pf, 2, 200) < 0 && errno != EINTR)
			return (1);
		if (pf[0].revents & POLLIN) {
			int c = accept(lfd, NULL, NULL);

			if (c >= 0) {
				if (client >= 0)
					close(client);
				client = c;
				hs_proto_reset(&p);
			}
		}
		if (client >= 0 && (pf[1].revents & (POLLIN | POLLHUP))) {
			n = recv(client, buf, sizeof(buf), 0);
			if (n <= 0) {
				close(client);
				client = -1;
				hs_proto_reset(&p);
			} else {
				hs_proto_input(&p, buf, (size_t)n);
			}
		}
		while (time(NULL) > last) {
			last++;
			hs_meter_tick(&m, 1);
			flow_acc += flow_lpm * m.conf.pulses_per_l;
			for (; flow_acc >= 60; flow_acc -= 60)
				hs_meter_pulse(&m, 0);
		}
		if (client >= 0)
			hs_proto_alerts(&p);
	}
}
