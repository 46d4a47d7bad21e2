/*
 * freeport: print a TCP port on 127.0.0.1 that is free right now, for
 * scripts that start servers side by side (benchmarks, demos).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_in	sin;
	socklen_t		len;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		perror("freeport: socket");
		return (1);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof(sin);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perror("freeport: bind");
		return (1);
	}
	printf("%d\n", ntohs(sin.sin_port));
	close(fd);
	return (0);
}
