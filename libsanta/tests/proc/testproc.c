/*
 * testproc.c - loopback ports and child processes for tests (see
 * testproc.h).
 */
#include "testproc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

int testproc_listen(int type, int *port)
{
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (type == SOCK_STREAM && listen(fd, 256) != 0) ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

int testproc_free_port(void)
{
    int port = -1;
    int fd = testproc_listen(SOCK_STREAM, &port);
    if (fd < 0)
        return -1;
    close(fd);
    return port;
}

int testproc_connect(int port, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (timeout_ms > 0) {
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    struct sockaddr_in a = loopback(port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void testproc_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

pid_t testproc_fork(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid < 0 ? -1 : pid;
    /* If the test process dies (an abort, a sanitizer report), the child
     * dies with it instead of outliving the run; and if it died already,
     * between fork and prctl, the child must not run at all. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(126);
    return 0;
}

pid_t testproc_spawn(const char *const argv[], const char *log)
{
    pid_t pid = testproc_fork();
    if (pid != 0)
        return pid;
    if (log) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
    }
    execvp(argv[0], (char *const *)argv);
    _exit(127);
}

static int code_of(int wst)
{
    return WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
}

bool testproc_exited(pid_t pid, int *code)
{
    int wst = 0;
    if (pid <= 0 || waitpid(pid, &wst, WNOHANG) != pid)
        return false;
    if (code)
        *code = code_of(wst);
    return true;
}

int testproc_stop(pid_t pid, int sig, int wait_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, SIGCONT); /* a stopped process would never see sig */
    kill(pid, sig);
    int code = 0;
    for (int waited = 0; waited < wait_ms; waited += 10) {
        if (testproc_exited(pid, &code))
            return code;
        testproc_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -2;
}
