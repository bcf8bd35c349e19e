/*
 * The C side of the conformance suite and its fuzzer: reads scripts on stdin
 * (written by tests/conformance/run.ts, from the table in scenarios.ts or from
 * fuzz.ts's generator), makes each call with blocking sockets, as the tutorial
 * does, and prints one line per call: the script line, " => ", then what C got:
 *
 *   ok            socket/udp/accept returned a socket
 *   <n>           any other call's return value (recv: then the bytes read, quoted)
 *   -1 <code>     the call failed: WSAGetLastError() on Windows; on Linux errno,
 *                 mapped to the WSA code of the same meaning (table below)
 *   blocks        after a `guard` line (the fuzzer's scripts begin with one):
 *                 recv/recvfrom/accept on a blocking socket (UDP, or TCP listening or
 *                 connected by the script) with nothing to take
 *                 (a zero-timeout select says not readable; for MSG_WAITALL, fewer
 *                 bytes than asked; MSG_OOB always), or accept on a listener, or send/sendto
 *                 with no room (not writable): the call is not made, since it would
 *                 wait
 *
 * Script lines (X, Y: a socket's one-letter name; FLAGS: Winsock MSG_* values;
 * N: a length, N/CAP a length N with a buffer of CAP bytes, which ends where an
 * inaccessible page begins, so a length beyond it is caught, not overrun):
 *   socket X | udp X | bind X | bindto X Y | bindany X | bind6 X | rebind X Y | listen X
 *   connect X Y | accept X Y | send X N [FLAGS] | recv X N [FLAGS]
 *   sendto X N Y [FLAGS] | recvfrom X N [FLAGS] | shutdown X HOW
 *   linger X ONOFF SECS | setopt X OPT VALUE [LEN] | getopt X OPT [LEN]
 *   ioctl X fionbio ARG | ioctl X fionread | ioctl X bad | select X
 *   sockname X | peername X | close X | sleep MS | guard | scenario NAME ("== NAME")
 * bind is 127.0.0.1:0, bindto Y's port, bindany 0.0.0.0:0, bind6 [::1]:0 (a
 * sockaddr_in6), rebind the port Y was last bound to (Y may be closed since); connect and sendto go to 127.0.0.1 at Y's port. send sends
 * the next N letters of a-z (cycling) counted per socket. OPT: linger (VALUE
 * 1: {1, 0}; 0: {0, 0}), nodelay, sndbuf, rcvbuf, reuseaddr, keepalive,
 * error, type, badname (SOL_SOCKET, an unknown name), badlevel (an unknown
 * level). An address prints as "ADDR PORT", the port as the letter of the
 * first socket bound to it ("?" if none, "0"); recvfrom adds "from ADDR PORT";
 * select (X in all three sets, zero timeout) prints the count and r, w, e.
 * Each scenario starts afresh: the sockets still open are closed. A closed
 * socket's name stands for INVALID_SOCKET from then on (its number could be
 * given to the next socket made).
 *
 * Built natively (gcc, Linux) by tests/conformance_test.ts and with mingw
 * (-lws2_32) by tools/wine/build-peers.sh, to run under Wine.
 */
#ifdef _WIN32
#define _WIN32_WINNT 0x0600 /* WSAPoll */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET sock_t;
#define BAD_SOCKET INVALID_SOCKET
#define last_error() WSAGetLastError()
#define close_socket closesocket
#define sleep_ms(ms) Sleep(ms)
#define ioctl_socket ioctlsocket
typedef int socklen_t;
typedef u_long ioctl_arg;
#else
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
typedef int sock_t;
#define BAD_SOCKET (-1)
#define close_socket close
#define ioctl_socket ioctl
typedef int ioctl_arg;
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

#define NAMES 26
#define BUF_MAX 65536
static sock_t sockets[NAMES];
static long sent[NAMES];
static unsigned short bound_port[NAMES]; /* the port each socket was last bound to, for rebind */
static int nonblocking[NAMES];
/* A UDP socket or a TCP one connected by the script (1), or listening (2): its calls may wait. */
static int live[NAMES];
/* `guard` was read: calls that would wait are not made (the fuzzer's scripts). */
static int guarded;
static char *buf_end; /* the end of BUF_MAX usable bytes: an inaccessible page follows */

static void fail(const char *what, const char *line) {
  fprintf(stderr, "harness: %s: %s\n", what, line);
  exit(2);
}

/* BUF_MAX bytes followed by a page that faults, so a length beyond a buffer is caught. */
static void make_buffer(void) {
  size_t page = 65536, size = BUF_MAX + page;
  char *base;
#ifdef _WIN32
  DWORD old;
  base = VirtualAlloc(0, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (!base || !VirtualProtect(base + BUF_MAX, page, PAGE_NOACCESS, &old)) fail("buffer", "");
#else
  base = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED || mprotect(base + BUF_MAX, page, PROT_NONE) != 0) fail("buffer", "");
#endif
  buf_end = base + BUF_MAX;
}

/* "N" or "N/CAP": the length N (any int) and a buffer of CAP bytes (N's when absent). */
static char *buffer_of(const char *s, int *n) {
  const char *slash = strchr(s, '/');
  long cap;
  *n = atoi(s);
  cap = slash ? atol(slash + 1) : (*n < 0 ? 0 : *n);
  if (cap < 0 || cap > BUF_MAX) fail("buffer size out of range", s);
  return buf_end - cap;
}

static int flags_of(const char *s) {
  int w = s && *s ? atoi(s) : 0, f = 0;
#ifdef _WIN32
  f = w;
#else
  f = w & ~(0x1 | 0x2 | 0x8); /* other bits as they are (unknown to both) */
  if (w & 0x1) f |= MSG_OOB;
  if (w & 0x2) f |= MSG_PEEK;
  if (w & 0x8) f |= MSG_WAITALL;
#endif
  return f;
}

static int index_of(const char *name, const char *line) {
  if (!name || name[0] < 'a' || name[0] > 'z' || name[1]) fail("bad socket name", line);
  return name[0] - 'a';
}

static struct sockaddr_in address_of(sock_t s) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  getsockname(s, (struct sockaddr *)&a, &len);
  return a;
}

/* 127.0.0.1 at the port Y is bound to (0 if none). */
static struct sockaddr_in target_of(sock_t s) {
  struct sockaddr_in a = address_of(s);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = inet_addr("127.0.0.1");
  return a;
}

static void result(int rc) {
  if (rc < 0) printf("-1 %d\n", last_error());
  else printf("%d\n", rc);
}

/* " ADDR PORT": the port as the letter of the first socket bound to it. */
static void print_address(const struct sockaddr_in *a) {
  int i, port = ntohs(a->sin_port);
  printf(" %s ", a->sin_family == AF_INET ? inet_ntoa(a->sin_addr) : "?family");
  if (port == 0) {
    printf("0");
    return;
  }
  for (i = 0; i < NAMES; i++) {
    struct sockaddr_in mine;
    socklen_t len = sizeof mine;
    if (sockets[i] == BAD_SOCKET) continue;
    memset(&mine, 0, sizeof mine);
    if (getsockname(sockets[i], (struct sockaddr *)&mine, &len) == 0 &&
        mine.sin_family == AF_INET && ntohs(mine.sin_port) == port) {
      printf("%c", 'a' + i);
      return;
    }
  }
  printf("?");
}

/* Zero-timeout select on s alone: a bit each for readable (1), writable (2), except (4). */
static int ready(sock_t s, int *rc) {
  fd_set r, w, e;
  struct timeval none = {0, 0};
  int bits = 0;
#ifndef _WIN32
  if (s < 0 || s >= FD_SETSIZE) { /* FD_SET would write out of bounds */
    errno = EBADF;
    return *rc = -1;
  }
#endif
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_ZERO(&e);
  FD_SET(s, &r);
  FD_SET(s, &w);
  FD_SET(s, &e);
  *rc = select((int)s + 1, &r, &w, &e, &none);
  if (*rc < 0) return -1;
  if (FD_ISSET(s, &r)) bits |= 1;
  if (FD_ISSET(s, &w)) bits |= 2;
  if (FD_ISSET(s, &e)) bits |= 4;
  return bits;
}

/* Would this receive or accept wait (blocking socket, nothing to take, too little for
 * MSG_WAITALL; MSG_OOB always)? Errors say no: the call fails at once. */
static int would_wait(int x, int n, int flags) {
  int rc, bits;
  ioctl_arg avail = 0;
  if (!guarded || nonblocking[x]) return 0;
  if (flags & 0x1) return 1; /* MSG_OOB: Wine waits for ever, even when select says exceptional */
  if (!live[x]) return 0;
  bits = ready(sockets[x], &rc);
  if (bits < 0) return 0;
#ifdef _WIN32
  /* Wine's select can still say readable once a recv has taken all (64 KiB at once): WSAPoll,
   * which the winsock backend asks, does not. */
  if (bits & 1) {
    WSAPOLLFD p = {sockets[x], POLLRDNORM, 0};
    if (WSAPoll(&p, 1, 0) == 0) bits &= ~1;
  }
#endif
  if (!(bits & 1)) return 1;
  if ((flags & 0x8) && n > 0 && ioctl_socket(sockets[x], FIONREAD, &avail) == 0 && avail > 0 &&
      (int)avail < n)
    return 1;
  return 0;
}

/* Would this send wait (blocking socket, select says not writable: no room, or a
 * listener, where Wine's send waits for ever)? Errors say no: the call fails at once. */
static int would_wait_to_send(int x) {
  int rc, bits;
  if (!guarded || nonblocking[x] || !live[x]) return 0;
  bits = ready(sockets[x], &rc);
  return bits >= 0 && !(bits & 2);
}

/* The option table: the script's name → this platform's level and name. */
static const struct {
  const char *name;
  int level, optname;
} OPTIONS[] = {
    {"linger", SOL_SOCKET, SO_LINGER},     {"nodelay", IPPROTO_TCP, TCP_NODELAY},
    {"sndbuf", SOL_SOCKET, SO_SNDBUF},     {"rcvbuf", SOL_SOCKET, SO_RCVBUF},
    {"reuseaddr", SOL_SOCKET, SO_REUSEADDR}, {"keepalive", SOL_SOCKET, SO_KEEPALIVE},
    {"error", SOL_SOCKET, SO_ERROR},       {"type", SOL_SOCKET, SO_TYPE},
    {"badname", SOL_SOCKET, 0x7777},       {"badlevel", 0x7777, SO_REUSEADDR},
};

static int option(const char *name, int *level, const char *line) {
  unsigned i;
  for (i = 0; i < sizeof OPTIONS / sizeof OPTIONS[0]; i++) {
    if (strcmp(OPTIONS[i].name, name) == 0) {
      *level = OPTIONS[i].level;
      return OPTIONS[i].optname;
    }
  }
  fail("unknown option", line);
  return 0;
}

#ifdef _WIN32
/* alarm() for Windows: a call that blocks for ever (10 s) ends the harness. */
static volatile LONG steps;
static DWORD WINAPI watchdog(LPVOID unused) {
  LONG seen = -1;
  int still = 0;
  (void)unused;
  for (;;) {
    Sleep(1000);
    still = steps == seen ? still + 1 : 0;
    seen = steps;
    if (still == 10) {
      fprintf(stderr, "harness: a call blocked for 10 s\n");
      ExitProcess(4);
    }
  }
}
#endif

/* Closes every socket still open (if `open`: there are some) and forgets them all: a new scenario starts afresh. */
static void reset(int open) {
  int i;
  for (i = 0; i < NAMES; i++) {
    if (open && sockets[i] != BAD_SOCKET) close_socket(sockets[i]);
    sockets[i] = BAD_SOCKET;
    sent[i] = nonblocking[i] = live[i] = 0;
  }
}

/* A new socket in slot x. */
static void made(int x, sock_t s) {
  sockets[x] = s;
  live[x] = nonblocking[x] = 0; /* a new socket blocks, whatever the name's last one did */
  sent[x] = 0;
  if (s == BAD_SOCKET) result(-1);
  else printf("ok\n");
}

int main(void) {
  char line[256];
#ifdef _WIN32
  WSADATA data;
  if (WSAStartup(MAKEWORD(2, 2), &data) != 0) return 3;
  CreateThread(0, 0, watchdog, 0, 0, 0);
#else
  signal(SIGPIPE, SIG_IGN); /* Windows has no SIGPIPE: a send to a reset peer just fails */
#endif
  /* Buffered, flushed at each line (and before each call, so a call that blocks shows): Wine
   * writes an unbuffered stdout to a Windows pipe a few bytes at a time, and 64 KiB read and
   * printed took longer than the watchdog gives. */
  setvbuf(stdout, 0, _IOFBF, 1 << 20);
  make_buffer();
  reset(0);
  while (fflush(stdout) == 0 && fgets(line, sizeof line, stdin)) {
    char op[16] = "", xs[8] = "", y[16] = "", z[16] = "", w[16] = "";
    int x;
    line[strcspn(line, "\r\n")] = 0;
    if (sscanf(line, "%15s %7s %15s %15s %15s", op, xs, y, z, w) < 1) continue;
    if (strcmp(op, "scenario") == 0) { /* the next scenario: its name, fresh sockets */
      reset(1);
      guarded = 0;
      printf("== %s\n", line + 9);
      continue;
    }
    if (strcmp(op, "sleep") == 0) {
      sleep_ms(atoi(xs));
      continue;
    }
    if (strcmp(op, "guard") == 0) {
      guarded = 1;
      continue;
    }
#ifdef _WIN32
    InterlockedIncrement(&steps);
#else
    alarm(10); /* a call that would block for ever ends the harness */
#endif
    x = index_of(xs, line);
    printf("%s => ", line);
    fflush(stdout);
    if (strcmp(op, "socket") == 0 || strcmp(op, "udp") == 0) {
      made(x, op[0] == 's' ? socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
                           : socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
      live[x] = op[0] == 'u' && sockets[x] != BAD_SOCKET;
    } else if (strcmp(op, "bind") == 0 || strcmp(op, "bindto") == 0 ||
               strcmp(op, "bindany") == 0 || strcmp(op, "rebind") == 0) {
      struct sockaddr_in a;
      int rc;
      memset(&a, 0, sizeof a);
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = op[4] == 'a' ? htonl(INADDR_ANY) : inet_addr("127.0.0.1");
      if (op[4] == 't') a.sin_port = address_of(sockets[index_of(y, line)]).sin_port;
      if (op[0] == 'r') a.sin_port = bound_port[index_of(y, line)];
      rc = bind(sockets[x], (struct sockaddr *)&a, sizeof a);
      if (rc == 0) bound_port[x] = address_of(sockets[x]).sin_port;
      result(rc);
    } else if (strcmp(op, "bind6") == 0) {
      struct sockaddr_in6 a;
      memset(&a, 0, sizeof a);
      a.sin6_family = AF_INET6;
      a.sin6_addr.s6_addr[15] = 1;
      result(bind(sockets[x], (struct sockaddr *)&a, sizeof a));
    } else if (strcmp(op, "listen") == 0) {
      int rc = listen(sockets[x], SOMAXCONN);
      if (rc == 0) live[x] = 2;
      result(rc);
    } else if (strcmp(op, "connect") == 0) {
      struct sockaddr_in a = target_of(sockets[index_of(y, line)]);
      int rc = connect(sockets[x], (struct sockaddr *)&a, sizeof a);
      if (rc == 0) live[x] = 1;
      result(rc);
    } else if (strcmp(op, "accept") == 0) {
      struct sockaddr_in a;
      socklen_t len = sizeof a;
      int l = index_of(y, line);
      if (live[l] == 2 && would_wait(l, 0, 0)) printf("blocks\n");
      else {
        made(x, accept(sockets[l], (struct sockaddr *)&a, &len));
        nonblocking[x] = nonblocking[l];
        live[x] = sockets[x] != BAD_SOCKET;
      }
    } else if (strcmp(op, "send") == 0 || strcmp(op, "sendto") == 0) {
      int n, i, rc, to = op[4] == 't';
      char *b = buffer_of(y, &n);
      for (i = 0; i < n && b + i < buf_end; i++) b[i] = (char)('a' + (sent[x] + i) % 26);
      if (would_wait_to_send(x)) {
        printf("blocks\n");
        continue;
      }
      if (to) {
        struct sockaddr_in a = target_of(sockets[index_of(z, line)]);
        rc = sendto(sockets[x], b, n, flags_of(w), (struct sockaddr *)&a, sizeof a);
      } else {
        rc = send(sockets[x], b, n, flags_of(z));
      }
      if (rc > 0) sent[x] += rc;
      result(rc);
    } else if (strcmp(op, "recv") == 0 || strcmp(op, "recvfrom") == 0) {
      int n, rc, flags = atoi(z);
      char *b = buffer_of(y, &n);
      struct sockaddr_in from;
      socklen_t len = sizeof from;
      memset(&from, 0, sizeof from);
      if (would_wait(x, n, flags)) printf("blocks\n");
      else {
        rc = op[4] ? recvfrom(sockets[x], b, n, flags_of(z), (struct sockaddr *)&from, &len)
                   : recv(sockets[x], b, n, flags_of(z));
        if (rc > 0) printf("%d \"%.*s\"", rc, rc, b);
        else if (rc < 0) printf("-1 %d", last_error());
        else printf("0");
        if (op[4] && rc >= 0) {
          printf(" from");
          print_address(&from);
        }
        printf("\n");
      }
    } else if (strcmp(op, "shutdown") == 0) {
      result(shutdown(sockets[x], atoi(y)));
    } else if (strcmp(op, "linger") == 0) {
      struct linger l;
      l.l_onoff = atoi(y);
      l.l_linger = atoi(z);
      result(setsockopt(sockets[x], SOL_SOCKET, SO_LINGER, (const char *)&l, sizeof l));
    } else if (strcmp(op, "setopt") == 0) {
      int level, name = option(y, &level, line), value = atoi(z);
      int len = w[0] ? atoi(w) : 4;
      char v[16];
      memset(v, 0, sizeof v);
      if (name == SO_LINGER && level == SOL_SOCKET) {
        struct linger l; /* Winsock's is two u_shorts (4 bytes), Linux's two ints */
        l.l_onoff = value != 0;
        l.l_linger = 0;
        memcpy(v, &l, sizeof l);
        if (len == 4) len = sizeof l;
      } else {
        memcpy(v, &value, sizeof value);
      }
      result(setsockopt(sockets[x], level, name, v, len));
    } else if (strcmp(op, "getopt") == 0) {
      int level, name = option(y, &level, line), rc;
      socklen_t len = z[0] ? atoi(z) : 4;
      char v[16];
      memset(v, 0, sizeof v);
#ifndef _WIN32
      if (name == SO_LINGER && level == SOL_SOCKET && len == 4) len = sizeof(struct linger);
#endif
      rc = getsockopt(sockets[x], level, name, v, &len);
      if (rc < 0) result(rc);
      else if (name == SO_LINGER && level == SOL_SOCKET) {
        struct linger l;
        memcpy(&l, v, sizeof l);
        printf("0 {%d, %d}\n", l.l_onoff != 0, (int)l.l_linger);
      } else {
        int value;
        memcpy(&value, v, sizeof value);
        printf("0 %d\n", value);
      }
    } else if (strcmp(op, "ioctl") == 0) {
      ioctl_arg arg = atoi(z);
      int rc;
      if (strcmp(y, "fionbio") == 0) {
        rc = ioctl_socket(sockets[x], FIONBIO, &arg);
        if (rc == 0) nonblocking[x] = arg != 0;
        result(rc);
      } else if (strcmp(y, "fionread") == 0) {
        rc = ioctl_socket(sockets[x], FIONREAD, &arg);
        if (rc < 0) result(rc);
        else printf("0 %d\n", (int)arg);
      } else {
        result(ioctl_socket(sockets[x], 0x4004667d, &arg)); /* unknown to both */
      }
    } else if (strcmp(op, "select") == 0) {
      int rc, bits = ready(sockets[x], &rc);
      if (bits < 0) result(-1);
      else printf("%d %s%s%s\n", rc, bits & 1 ? "r" : "", bits & 2 ? "w" : "", bits & 4 ? "e" : "");
    } else if (strcmp(op, "sockname") == 0 || strcmp(op, "peername") == 0) {
      struct sockaddr_in a;
      socklen_t len = sizeof a;
      int rc;
      memset(&a, 0, sizeof a);
      rc = op[0] == 's' ? getsockname(sockets[x], (struct sockaddr *)&a, &len)
                        : getpeername(sockets[x], (struct sockaddr *)&a, &len);
      if (rc < 0) result(rc);
      else {
        printf("0");
        print_address(&a);
        printf("\n");
      }
    } else if (strcmp(op, "close") == 0) {
      int rc = close_socket(sockets[x]);
      if (rc == 0) sockets[x] = BAD_SOCKET, live[x] = 0;
      result(rc);
    } else {
      fail("unknown step", line);
    }
  }
  reset(1);
  printf("#end\n"); /* all was read: the output is whole */
#ifdef _WIN32
  WSACleanup();
#endif
  return 0;
}
