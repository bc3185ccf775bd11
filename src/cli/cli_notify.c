/* SPDX-License-Identifier: MIT */
/*
 * cli_notify.c: the service manager's readiness protocol (sd_notify(3)): one
 * datagram of newline-separated VAR=value lines to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').
 * systemd documents the protocol as stable and meant to be spoken without
 * libsystemd; this is the whole of it that `booking serve` needs.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

bool cli_notify(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    if (name == NULL || name[0] == '\0')
        return true; /* not run by a service manager that listens: nothing to say */
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    if ((name[0] != '/' && name[0] != '@') || len >= sizeof addr.sun_path)
        return false;
    memcpy(addr.sun_path, name, len);
    if (name[0] == '@')
        addr.sun_path[0] = '\0'; /* the abstract namespace */
    socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    ssize_t sent;
    do {
        sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
    } while (sent < 0 && errno == EINTR);
    close(fd);
    return sent == (ssize_t)strlen(state);
}
