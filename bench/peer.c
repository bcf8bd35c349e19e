/* bench/peer.c - the `c` contender: blocking sockets, the physical reference.
 *   peer server <workload> <port> <seconds> <conns>   prints "ready", then (at its end) a JSON line
 *   peer client <workload> <port> <seconds> <conns>   prints one JSON line: {"ops":n,"seconds":t}
 * Workloads: pingpong, bulk, accept, concurrent (poll() over blocking sockets), ffi-call.
 * Linux: gcc -O2; Windows: x86_64-w64-mingw32-gcc -O2 ... -lws2_32 -lpsapi. */
#ifdef _WIN32
#define _WIN32_WINNT 0x0600
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <psapi.h>
typedef SOCKET sock_t;
typedef WSAPOLLFD pollfd_t;
#define poll WSAPoll
#define SHUT_WR SD_SEND
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
typedef int sock_t;
typedef struct pollfd pollfd_t;
#define INVALID_SOCKET (-1)
#define closesocket close
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef ntohs /* the function, not the macro glibc may inline */
#ifdef _WIN32
typedef u_short(WSAAPI *ntohs_t)(u_short);
#else
uint16_t ntohs(uint16_t);
typedef uint16_t (*ntohs_t)(uint16_t);
#endif

#define MSG 1400
#define CHUNK 65536
#define WARMUP 0.3

static char buf[CHUNK];

static double now(void) {
#ifdef _WIN32
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart / (double)f.QuadPart;
#else
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
#endif
}

static void die(const char *what) {
#ifdef _WIN32
  fprintf(stderr, "peer.c: %s failed: %d\n", what, WSAGetLastError());
#else
  perror(what);
#endif
  exit(1);
}

static void nodelay(sock_t s) {
  int on = 1;
  if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof on) != 0) die("setsockopt");
}

static void send_all(sock_t s, const char *p, int len) {
  while (len > 0) {
    int n = send(s, p, len, 0);
    if (n <= 0) die("send");
    p += n, len -= n;
  }
}

/* recv exactly len bytes; 0 if the peer closed first */
static int recv_exact(sock_t s, char *p, int len) {
  for (int got = 0; got < len;) {
    int n = recv(s, p + got, len - got, 0);
    if (n < 0) die("recv");
    if (n == 0) return 0;
    got += n;
  }
  return len;
}

static struct sockaddr_in addr(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = inet_addr("127.0.0.1");
  return a;
}

static sock_t connect_to(int port) {
  struct sockaddr_in a = addr(port);
  sock_t s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) die("socket");
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
  return s;
}

static double peak_rss(void) {
#ifdef _WIN32
  PROCESS_MEMORY_COUNTERS pmc;
  GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc);
  return (double)pmc.PeakWorkingSetSize;
#else /* VmHWM: getrusage's ru_maxrss would count the parent's before exec */
  char line[256];
  double kb = 0;
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
  if (f) fclose(f);
  return kb * 1024;
#endif
}

/* CPU seconds this process used so far (user + system, every thread) */
static double cpu_seconds(void) {
#ifdef _WIN32
  FILETIME c, e, k, u;
  GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
  return ((double)(((unsigned long long)k.dwHighDateTime << 32) | k.dwLowDateTime) +
          (double)(((unsigned long long)u.dwHighDateTime << 32) | u.dwLowDateTime)) / 1e7;
#else
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
#endif
}

static void server(const char *w, int port, int conns) {
  struct sockaddr_in a = addr(port);
  sock_t l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  int on = 1;
  if (l == INVALID_SOCKET) die("socket");
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, (const char *)&on, sizeof on);
  if (bind(l, (struct sockaddr *)&a, sizeof a) != 0) die("bind");
  if (listen(l, 1024) != 0) die("listen");
  printf("ready\n");
  fflush(stdout);
  double cpu0 = cpu_seconds();
  if (!strcmp(w, "pingpong")) {
    sock_t s = accept(l, NULL, NULL);
    nodelay(s);
    while (recv_exact(s, buf, MSG)) send_all(s, buf, MSG);
    closesocket(s);
  } else if (!strcmp(w, "bulk")) {
    sock_t s = accept(l, NULL, NULL);
    int n;
    while ((n = recv(s, buf, CHUNK, 0)) > 0) {
    }
    if (n < 0) die("recv");
    closesocket(s);
  } else if (!strcmp(w, "accept")) {
    for (;;) { /* until the runner kills us */
      sock_t s = accept(l, NULL, NULL);
      if (s == INVALID_SOCKET) die("accept");
      closesocket(s);
    }
  } else if (!strcmp(w, "concurrent")) {
    pollfd_t *p = calloc(conns + 1, sizeof *p);
    int n = 1, accepted = 0;
    p[0].fd = l, p[0].events = POLLIN;
    while (accepted < conns || n > 1) {
      int all = accepted < conns; /* the listener is polled until every client came */
      p[0].revents = 0;
      if (poll(all ? p : p + 1, all ? n : n - 1, -1) < 0) die("poll");
      for (int i = n - 1; i >= 1; i--) {
        if (!p[i].revents) continue;
        int got = recv(p[i].fd, buf, MSG, 0);
        if (got > 0) {
          send_all(p[i].fd, buf, got);
        } else {
          closesocket(p[i].fd);
          p[i] = p[--n];
        }
      }
      if (p[0].revents) {
        sock_t s = accept(l, NULL, NULL);
        if (s == INVALID_SOCKET) die("accept");
        nodelay(s);
        p[n].fd = s, p[n].events = POLLIN, p[n].revents = 0, n++, accepted++;
      }
    }
  }
  closesocket(l);
  printf("{\"peakRss\":%.0f,\"peakWaits\":null,\"cpu\":%.6f}\n", peak_rss(), cpu_seconds() - cpu0);
}

static void client(const char *w, int port, double seconds, int conns) {
  double t0, t1, end;
  double ops = 0, warm_ops = 0, cpu0 = cpu_seconds(), cpu = -1;
  if (!strcmp(w, "pingpong")) {
    sock_t s = connect_to(port);
    nodelay(s);
    for (t0 = now(), end = t0 + WARMUP; now() < end; warm_ops++) {
      send_all(s, buf, MSG);
      if (!recv_exact(s, buf, MSG)) die("recv (closed)");
    }
    for (t0 = now(), end = t0 + seconds; (t1 = now()) < end; ops++) {
      send_all(s, buf, MSG);
      if (!recv_exact(s, buf, MSG)) die("recv (closed)");
    }
    cpu = cpu_seconds() - cpu0;
    closesocket(s);
  } else if (!strcmp(w, "bulk")) {
    sock_t s = connect_to(port);
    for (t0 = now(), end = t0 + WARMUP; now() < end;) send_all(s, buf, CHUNK);
    for (t0 = now(), end = t0 + seconds; now() < end; ops += CHUNK) send_all(s, buf, CHUNK);
    shutdown(s, SHUT_WR);
    if (recv(s, buf, CHUNK, 0) != 0) die("recv (expected the server's close)");
    t1 = now();
    closesocket(s);
  } else if (!strcmp(w, "accept")) {
    for (int warm = 1; warm >= 0; warm--) {
      for (t0 = now(), end = t0 + (warm ? WARMUP : seconds); (t1 = now()) < end; ops += !warm) {
        sock_t s = connect_to(port);
        if (recv(s, buf, 1, 0) != 0) die("recv (expected the server's close)");
        closesocket(s);
      }
    }
  } else if (!strcmp(w, "concurrent")) {
    pollfd_t *p = calloc(conns, sizeof *p);
    int *got = calloc(conns, sizeof *got), n = conns;
    for (int i = 0; i < conns; i++) {
      p[i].fd = connect_to(port), p[i].events = POLLIN;
      nodelay(p[i].fd);
    }
    t0 = now() + WARMUP, end = t0 + seconds; /* every connection runs through the warm-up */
    for (int i = 0; i < conns; i++) send_all(p[i].fd, buf, MSG);
    while (n > 0) {
      if (poll(p, n, -1) < 0) die("poll");
      for (int i = n - 1; i >= 0; i--) {
        if (!p[i].revents) continue;
        int r = recv(p[i].fd, buf, MSG - got[i], 0);
        if (r <= 0) die("recv");
        if ((got[i] += r) < MSG) continue;
        double t = now();
        got[i] = 0;
        if (t >= t0) ops++; else warm_ops++;
        if (t < end) {
          send_all(p[i].fd, buf, MSG);
        } else {
          closesocket(p[i].fd);
          n--, p[i] = p[n], got[i] = got[n];
        }
      }
    }
    t1 = now();
    cpu = cpu_seconds() - cpu0;
  } else if (!strcmp(w, "ffi-call")) {
    volatile ntohs_t f = ntohs;
    volatile unsigned sink = 0;
    for (t0 = now(), end = t0 + WARMUP; now() < end;)
      for (int i = 0; i < 100000; i++) sink += f((uint16_t)i);
    for (t0 = now(), end = t0 + seconds; (t1 = now()) < end; ops += 100000)
      for (int i = 0; i < 100000; i++) sink += f((uint16_t)i);
  } else {
    fprintf(stderr, "peer.c: unknown workload %s\n", w);
    exit(2);
  }
  printf("{\"ops\":%.0f,\"seconds\":%.6f,\"allOps\":%.0f,\"cpu\":%.6f}\n", ops, t1 - t0,
         ops + warm_ops, cpu);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: peer server|client <workload> <port> <seconds> <conns>\n");
    return 2;
  }
#ifdef _WIN32
  WSADATA d;
  if (WSAStartup(MAKEWORD(2, 2), &d) != 0) die("WSAStartup");
#else
  signal(SIGPIPE, SIG_IGN);
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) r.rlim_cur = r.rlim_max, setrlimit(RLIMIT_NOFILE, &r);
#endif
  memset(buf, 'x', sizeof buf);
  if (!strcmp(argv[1], "server")) server(argv[2], atoi(argv[3]), atoi(argv[5]));
  else client(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
  return 0;
}
