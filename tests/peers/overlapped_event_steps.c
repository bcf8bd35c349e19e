/* overlapped_event_steps.c - the steps of tests/overlapped_event_steps_test.ts
 * in C against real Winsock (built with mingw by tools/wine/build-peers.sh,
 * run under Wine): overlapped I/O with event notification (WSAOVERLAPPED's
 * hEvent a WSACreateEvent event, WSAWaitForMultipleEvents in groups of
 * WSA_MAXIMUM_WAIT_EVENTS, WSAGetOverlappedResult) and the alertable wait
 * running completion routines. One line per step; the TypeScript façade must
 * print the same lines on every backend. */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <string.h>

static SOCKET listener, client, server;
static char buf[64];

static void pair(void) {
  struct sockaddr_in si = {0};
  int len = sizeof si;
  listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  si.sin_family = AF_INET;
  si.sin_addr.s_addr = inet_addr("127.0.0.1");
  bind(listener, (struct sockaddr *)&si, sizeof si);
  listen(listener, SOMAXCONN);
  getsockname(listener, (struct sockaddr *)&si, &len);
  client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  connect(client, (struct sockaddr *)&si, sizeof si);
  server = accept(listener, NULL, NULL);
}

/* WSAWaitForMultipleEvents' answer, printed: its value, or "failed err=N". */
static void waited(const char *step, DWORD w) {
  if (w == WSA_WAIT_FAILED) printf("%s: failed err=%d\n", step, WSAGetLastError());
  else printf("%s: %lu\n", step, w);
}

/* WSAGetOverlappedResult without waiting, printed with the bytes it reports. */
static void result(const char *step, WSAOVERLAPPED *ov) {
  DWORD n = 0, flags = 0;
  BOOL ok = WSAGetOverlappedResult(server, ov, &n, FALSE, &flags);
  printf("%s: ok=%d err=%d bytes=%lu flags=%lu %.*s\n", step, ok ? 1 : 0, ok ? 0 : WSAGetLastError(),
         ok ? n : 0, ok ? flags : 0, ok ? (int)n : 0, buf);
}

static void CALLBACK routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
  (void)ov;
  printf("routine: err=%lu bytes=%lu flags=%lu %.*s\n", err, bytes, flags, (int)bytes, buf);
}

static DWORD WINAPI sendLater(LPVOID unused) {
  (void)unused;
  Sleep(300);
  send(client, "later", 5, 0);
  return 0;
}

static int recvWith(WSAOVERLAPPED *ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr, DWORD *n) {
  WSABUF one = {sizeof buf, buf};
  DWORD flags = 0;
  memset(buf, 0, sizeof buf);
  return WSARecv(server, &one, 1, n, &flags, ov, cr);
}

int main(void) {
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
  setvbuf(stdout, NULL, _IONBF, 0);
  pair();
  WSAEVENT ev = WSACreateEvent();
  WSAOVERLAPPED ov = {0};
  ov.hEvent = ev;
  DWORD n = 0;
  int rc = recvWith(&ov, NULL, NULL);
  printf("recv: rc=%d err=%d\n", rc, rc ? WSAGetLastError() : 0);
  result("result before", &ov);
  waited("wait before", WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE));
  send(client, "event one", 9, 0);
  waited("wait", WSAWaitForMultipleEvents(1, &ev, FALSE, 10000, FALSE));
  result("result", &ov);
  waited("still set", WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE));

  WSAResetEvent(ev);
  send(client, "at once", 7, 0);
  Sleep(200);
  rc = recvWith(&ov, NULL, &n);
  printf("recv at once: rc=%d n=%lu\n", rc, rc ? 0 : n);
  waited("wait at once", WSAWaitForMultipleEvents(1, &ev, FALSE, 10000, FALSE));
  result("result at once", &ov);

  /* Groups: at most WSA_MAXIMUM_WAIT_EVENTS per wait. */
  WSAEVENT group[WSA_MAXIMUM_WAIT_EVENTS + 1];
  for (int i = 0; i <= WSA_MAXIMUM_WAIT_EVENTS; i++) group[i] = WSACreateEvent();
  waited("wait 65", WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS + 1, group, FALSE, 0, FALSE));
  WSAOVERLAPPED sendOv = {0};
  sendOv.hEvent = group[40];
  WSABUF out = {5, "group"};
  rc = WSASend(server, &out, 1, &n, 0, &sendOv, NULL);
  printf("send: rc=%d n=%lu\n", rc, rc ? 0 : n);
  waited("wait group", WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS, group, FALSE, 10000, FALSE));
  waited("wait second group", WSAWaitForMultipleEvents(1, group + WSA_MAXIMUM_WAIT_EVENTS, FALSE, 0, FALSE));
  n = 0;
  while (n < 5) n += recv(client, buf + n, sizeof buf - n, 0);
  printf("client got: %.5s\n", buf);

  /* Completion routines: run by an alertable wait; hEvent is left alone. */
  WSAResetEvent(ev);
  send(client, "routine", 7, 0);
  Sleep(200);
  rc = recvWith(&ov, routine, &n);
  printf("recv with routine: rc=%d n=%lu\n", rc, rc ? 0 : n);
  waited("alertable", WSAWaitForMultipleEvents(1, &ev, FALSE, 10000, TRUE));
  waited("event untouched", WSAWaitForMultipleEvents(1, &ev, FALSE, 0, FALSE));
  waited("alertable idle", WSAWaitForMultipleEvents(1, &ev, FALSE, 0, TRUE));
  rc = recvWith(&ov, routine, NULL);
  printf("recv with routine pending: rc=%d err=%d\n", rc, rc ? WSAGetLastError() : 0);
  /* The data comes while the thread waits (sent by another thread). */
  HANDLE later = CreateThread(NULL, 0, sendLater, NULL, 0, NULL);
  waited("alertable later", WSAWaitForMultipleEvents(1, &ev, FALSE, 10000, TRUE));
  WaitForSingleObject(later, INFINITE);
  CloseHandle(later);

  /* An event operation aborted by closesocket still sets its event. */
  rc = recvWith(&ov, NULL, NULL);
  printf("recv before close: rc=%d err=%d\n", rc, rc ? WSAGetLastError() : 0);
  printf("closesocket: %d\n", closesocket(server));
  waited("wait after close", WSAWaitForMultipleEvents(1, &ev, FALSE, 10000, FALSE));
  printf("Internal after close: %s\n", ov.Internal == 0 ? "0" : "failed");

  for (int i = 0; i <= WSA_MAXIMUM_WAIT_EVENTS; i++) WSACloseEvent(group[i]);
  printf("WSACloseEvent: %d\n", WSACloseEvent(ev) ? 1 : 0);
  closesocket(client);
  closesocket(listener);
  WSACleanup();
  return 0;
}
