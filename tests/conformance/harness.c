/*
 * The C side of the conformance suite: reads a scenario script on stdin
 * (written by tests/conformance/run.ts from the table in scenarios.ts),
 * makes each call with blocking sockets, as the tutorial does, and prints one
 * line per call: the script line, " => ", then what C got:
 *
 *   ok            socket/accept returned a socket
 *   <n>           any other call's return value (recv: then the bytes read, quoted)
 *   -1 <code>     the call failed: WSAGetLastError() on Windows; on Linux errno,
 *                 mapped to the WSA code of the same meaning (table below)
 *
 * Script lines (X, Y: a socket's one-letter name; FLAGS: Winsock MSG_* values):
 *   socket X | bind X | bindto X Y | listen X | connect X Y | accept X Y
 *   send X N [FLAGS] | recv X N [FLAGS] | shutdown X HOW | linger X ONOFF SECS
 *   close X | sleep MS | scenario NAME (printed as "== NAME") | rebind X Y
 * bind is 127.0.0.1:0, bindto Y's port, rebind the port Y was bound to (Y may
 * be closed since); connect goes to Y's address. send
 * sends the next N letters of a-z (cycling) counted per socket.
 *
 * Built natively (gcc, Linux) by tests/conformance_test.ts and with mingw
 * (-lws2_32) by tools/wine/build-peers.sh, to run under Wine.
 */
#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>
typedef SOCKET sock_t;
#define BAD_SOCKET INVALID_SOCKET
#define last_error() WSAGetLastError()
#define close_socket closesocket
#define sleep_ms(ms) Sleep(ms)
typedef int socklen_t;
#else
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
typedef int sock_t;
#define BAD_SOCKET (-1)
#define close_socket close
static void sleep_ms(int ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, 0);
}
/* errno → the WSA code Windows gives for the same cause (winerror.h numbers). */
static const int ERRNO_TO_WSA[][2] = {
    {EINTR, 10004},        {EBADF, 10038},        {EACCES, 10013},     {EFAULT, 10014},
    {EINVAL, 10022},       {EAGAIN, 10035},       {EINPROGRESS, 10036}, {EALREADY, 10037},
    {ENOTSOCK, 10038},     {EDESTADDRREQ, 10039}, {EMSGSIZE, 10040},   {EPROTOTYPE, 10041},
    {ENOPROTOOPT, 10042},  {EPROTONOSUPPORT, 10043}, {EOPNOTSUPP, 10045}, {EAFNOSUPPORT, 10047},
    {EADDRINUSE, 10048},   {EADDRNOTAVAIL, 10049}, {ENETDOWN, 10050},  {ENETUNREACH, 10051},
    {ECONNABORTED, 10053}, {ECONNRESET, 10054},   {EPIPE, 10054},      {ENOBUFS, 10055},
    {EISCONN, 10056},      {ENOTCONN, 10057},     {ESHUTDOWN, 10058},  {ETIMEDOUT, 10060},
    {ECONNREFUSED, 10061}, {EHOSTUNREACH, 10065},
};
static int last_error(void) {
  int e = errno;
  for (unsigned i = 0; i < sizeof ERRNO_TO_WSA / sizeof ERRNO_TO_WSA[0]; i++) {
    if (ERRNO_TO_WSA[i][0] == e) return ERRNO_TO_WSA[i][1];
  }
  return 100000 + e; /* unmapped: visible in the output */
}
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sock_t sockets[26];
static long sent[26];
static unsigned short bound_port[26]; /* the port each socket was bound to, for rebind */
static char buf[65536];

/* A byte count from the script, within buf. */
static int count_of(const char *s) {
  int n = atoi(s);
  if (n < 0 || n > (int)sizeof buf) {
    fprintf(stderr, "harness: count out of range: %s\n", s);
    exit(2);
  }
  return n;
}

static int flags_of(const char *s) {
  int w = s ? atoi(s) : 0, f = 0;
#ifdef _WIN32
  f = w;
#else
  if (w & 0x1) f |= MSG_OOB;
  if (w & 0x2) f |= MSG_PEEK;
  if (w & 0x8) f |= MSG_WAITALL;
#endif
  return f;
}

static sock_t *slot(const char *name) {
  if (!name || name[0] < 'a' || name[0] > 'z') {
    fprintf(stderr, "harness: bad socket name\n");
    exit(2);
  }
  return &sockets[name[0] - 'a'];
}

static struct sockaddr_in address_of(sock_t s) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  getsockname(s, (struct sockaddr *)&a, &len);
  return a;
}

static void result(int rc) {
  if (rc < 0) printf("-1 %d\n", last_error());
  else printf("%d\n", rc);
}

int main(void) {
  char line[256];
#ifdef _WIN32
  WSADATA data;
  if (WSAStartup(MAKEWORD(2, 2), &data) != 0) return 3;
#else
  signal(SIGPIPE, SIG_IGN); /* Windows has no SIGPIPE: a send to a reset peer just fails */
  alarm(20);                /* a script that would block for ever ends the harness */
#endif
  setvbuf(stdout, 0, _IONBF, 0);
  while (fgets(line, sizeof line, stdin)) {
    char op[16] = "", x[8] = "", y[8] = "", z[8] = "";
    line[strcspn(line, "\r\n")] = 0;
    if (sscanf(line, "%15s %7s %7s %7s", op, x, y, z) < 1) continue;
    if (strcmp(op, "scenario") == 0) { /* the next scenario: its name, fresh counters */
      printf("== %s\n", line + 9);
      memset(sent, 0, sizeof sent);
      continue;
    }
    if (strcmp(op, "sleep") == 0) {
      sleep_ms(atoi(x));
      continue;
    }
    printf("%s => ", line);
    if (strcmp(op, "socket") == 0) {
      *slot(x) = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
      if (*slot(x) == BAD_SOCKET) result(-1);
      else printf("ok\n");
    } else if (strcmp(op, "bind") == 0 || strcmp(op, "bindto") == 0 || strcmp(op, "rebind") == 0) {
      struct sockaddr_in a;
      int rc;
      memset(&a, 0, sizeof a);
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = inet_addr("127.0.0.1");
      if (op[0] == 'r') a.sin_port = bound_port[y[0] - 'a'];
      else if (op[4]) a.sin_port = address_of(*slot(y)).sin_port;
      rc = bind(*slot(x), (struct sockaddr *)&a, sizeof a);
      if (rc == 0) bound_port[x[0] - 'a'] = address_of(*slot(x)).sin_port;
      result(rc);
    } else if (strcmp(op, "listen") == 0) {
      result(listen(*slot(x), SOMAXCONN));
    } else if (strcmp(op, "connect") == 0) {
      struct sockaddr_in a = address_of(*slot(y));
      result(connect(*slot(x), (struct sockaddr *)&a, sizeof a));
    } else if (strcmp(op, "accept") == 0) {
      struct sockaddr_in a;
      socklen_t len = sizeof a;
      *slot(x) = accept(*slot(y), (struct sockaddr *)&a, &len);
      if (*slot(x) == BAD_SOCKET) result(-1);
      else printf("ok\n");
    } else if (strcmp(op, "send") == 0) {
      int n = count_of(y), i, rc;
      for (i = 0; i < n; i++) buf[i] = (char)('a' + (sent[x[0] - 'a'] + i) % 26);
      rc = send(*slot(x), buf, n, flags_of(z[0] ? z : 0));
      if (rc > 0) sent[x[0] - 'a'] += rc;
      result(rc);
    } else if (strcmp(op, "recv") == 0) {
      int rc = recv(*slot(x), buf, count_of(y), flags_of(z[0] ? z : 0));
      if (rc > 0) printf("%d \"%.*s\"\n", rc, rc, buf);
      else result(rc);
    } else if (strcmp(op, "shutdown") == 0) {
      result(shutdown(*slot(x), atoi(y)));
    } else if (strcmp(op, "linger") == 0) {
      struct linger l;
      l.l_onoff = atoi(y);
      l.l_linger = atoi(z);
      result(setsockopt(*slot(x), SOL_SOCKET, SO_LINGER, (const char *)&l, sizeof l));
    } else if (strcmp(op, "close") == 0) {
      result(close_socket(*slot(x)));
    } else {
      fprintf(stderr, "harness: unknown step: %s\n", line);
      return 2;
    }
  }
#ifdef _WIN32
  WSACleanup();
#endif
  return 0;
}
