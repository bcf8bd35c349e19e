/* event_select_trace.c - the steps of tests/event_select_test.ts's
 * eventSelectTrace() in C against real Winsock: WSAEventSelect,
 * WSAWaitForMultipleEvents and WSAEnumNetworkEvents, one line per
 * observation. The TypeScript emulation must print the same lines. */
#include <winsock2.h>
#include <stdio.h>
#include <string.h>

static WSAEVENT ev, ev2;

static void enumLine(const char *what, SOCKET s, WSAEVENT e) {
  WSANETWORKEVENTS ne;
  int bit;
  memset(&ne, 0x55, sizeof ne); /* only the recorded events' codes are written */
  if (WSAEnumNetworkEvents(s, e, &ne) != 0) {
    printf("%s: WSAEnumNetworkEvents failed %d\n", what, WSAGetLastError());
    return;
  }
  printf("%s: events=0x%lx", what, (unsigned long)ne.lNetworkEvents);
  for (bit = 0; bit < FD_MAX_EVENTS; bit++)
    if ((ne.lNetworkEvents & (1 << bit)) && ne.iErrorCode[bit]) printf(" err[%d]=%d", bit, ne.iErrorCode[bit]);
  printf("\n");
}

static unsigned waitOne(WSAEVENT e, DWORD ms) {
  return (unsigned)WSAWaitForMultipleEvents(1, &e, FALSE, ms, FALSE);
}

static SOCKET client(unsigned short port) {
  SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  struct sockaddr_in si;
  memset(&si, 0, sizeof si);
  si.sin_family = AF_INET;
  si.sin_port = htons(port);
  si.sin_addr.s_addr = inet_addr("127.0.0.1");
  if (connect(c, (struct sockaddr *)&si, sizeof si) != 0) printf("connect: %d\n", WSAGetLastError());
  return c;
}

int main(void) {
  WSADATA wsa;
  SOCKET listener, c, a, none, c2, a2;
  struct sockaddr_in si;
  int len = sizeof si, n;
  char buf[16];
  struct linger lg = {1, 0};
  setvbuf(stdout, NULL, _IONBF, 0);
  WSAStartup(MAKEWORD(2, 2), &wsa);
  listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  memset(&si, 0, sizeof si);
  si.sin_family = AF_INET;
  si.sin_addr.s_addr = inet_addr("127.0.0.1");
  bind(listener, (struct sockaddr *)&si, sizeof si);
  listen(listener, SOMAXCONN);
  getsockname(listener, (struct sockaddr *)&si, &len);

  ev = WSACreateEvent();
  WSAEventSelect(listener, ev, FD_ACCEPT | FD_CLOSE);
  printf("idle wait: %u\n", waitOne(ev, 0));
  c = client(ntohs(si.sin_port));
  printf("wait after connect: %u\n", waitOne(ev, 5000));
  enumLine("listener", listener, ev);
  printf("wait after enum: %u\n", waitOne(ev, 0));
  a = accept(listener, NULL, NULL);
  if (a == INVALID_SOCKET) printf("accept: %d\n", WSAGetLastError()); else printf("accept: ok\n");
  none = accept(listener, NULL, NULL);
  if (none == INVALID_SOCKET) printf("accept again: %d\n", WSAGetLastError());
  else printf("accept again: ok\n");
  ev2 = WSACreateEvent();
  WSAEventSelect(a, ev2, FD_READ | FD_WRITE | FD_CLOSE);
  printf("accepted wait: %u\n", waitOne(ev2, 5000));
  enumLine("accepted", a, ev2);
  n = recv(a, buf, sizeof buf, 0);
  if (n == SOCKET_ERROR) printf("recv before data: %d %d\n", n, WSAGetLastError());
  else printf("recv before data: %d \n", n);
  send(c, "hello", 5, 0);
  printf("wait for data: %u\n", waitOne(ev2, 5000));
  enumLine("data", a, ev2);
  n = recv(a, buf, 2, 0);
  printf("recv 2: %d %.*s\n", n, n > 0 ? n : 0, buf);
  printf("wait for the rest: %u\n", waitOne(ev2, 5000));
  enumLine("rest", a, ev2);
  n = recv(a, buf, sizeof buf, 0);
  printf("recv rest: %d %.*s\n", n, n > 0 ? n : 0, buf);
  printf("wait when drained: %u\n", waitOne(ev2, 0));
  closesocket(c);
  printf("wait for close: %u\n", waitOne(ev2, 5000));
  enumLine("close", a, ev2);
  printf("recv after close: %d\n", recv(a, buf, sizeof buf, 0));

  c2 = client(ntohs(si.sin_port));
  printf("wait for client 2: %u\n", waitOne(ev, 5000));
  enumLine("listener", listener, ev);
  a2 = accept(listener, NULL, NULL);
  if (a2 == INVALID_SOCKET) printf("accept 2: %d\n", WSAGetLastError()); else printf("accept 2: ok\n");
  printf("inherited, idle: %u\n", waitOne(ev, 0));
  setsockopt(c2, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
  closesocket(c2);
  printf("inherited, reset: %u\n", waitOne(ev, 5000));
  enumLine("reset", a2, ev);
  enumLine("listener after reset", listener, ev);
  closesocket(a);
  closesocket(a2);
  closesocket(listener);
  WSACloseEvent(ev);
  WSACloseEvent(ev2);
  WSACleanup();
  return 0;
}
