/* iocp_steps.c - the steps of tests/iocp_steps_test.ts, in C against real
 * Winsock (built with mingw by tools/wine/build-peers.sh, run under Wine):
 * one line per step, the values a caller sees. The TypeScript façade must
 * print the same lines on every backend. */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <string.h>

static SOCKET listener, client, server;
static HANDLE port;

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

/* GetQueuedCompletionStatus, printed: ok, last error, bytes, key, which overlapped. */
static void dequeue(const char *step, DWORD ms, OVERLAPPED *a, const char *aName,
                    OVERLAPPED *b, const char *bName) {
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  OVERLAPPED *ov = NULL;
  BOOL ok = GetQueuedCompletionStatus(port, &bytes, &key, &ov, ms);
  DWORD err = ok ? 0 : GetLastError();
  printf("%s: ok=%d err=%lu bytes=%lu key=%llx ov=%s\n", step, ok ? 1 : 0, err,
         ov || ok ? bytes : 0, (unsigned long long)(ov || ok ? key : 0),
         ov == NULL ? "null" : ov == a ? aName : ov == b ? bName : "?");
}

int main(void) {
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
  setvbuf(stdout, NULL, _IONBF, 0);
  port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  printf("create: %s\n", port ? "port" : "null");
  dequeue("idle", 50, NULL, "", NULL, "");
  pair();
  printf("associate: %s\n", CreateIoCompletionPort((HANDLE)server, port, 0x1234, 0) == port ? "port" : "null");
  HANDLE again = CreateIoCompletionPort((HANDLE)server, port, 2, 0);
  printf("associate again: %s err=%lu\n", again ? "port" : "null", again ? 0 : GetLastError());

  char buf[64], a[3], b[10];
  WSAOVERLAPPED recvOv = {0}, sendOv = {0}, mine = {0};
  WSABUF one = {sizeof buf, buf};
  DWORD flags = 0, n = 0;
  int rc = WSARecv(server, &one, 1, NULL, &flags, &recvOv, NULL);
  printf("recv: rc=%d err=%d\n", rc, rc ? WSAGetLastError() : 0);
  send(client, "iocp one", 8, 0);
  dequeue("recv done", 10000, &recvOv, "recv", NULL, "");
  printf("recv data: Internal=%llu InternalHigh=%llu %.8s\n", (unsigned long long)recvOv.Internal,
         (unsigned long long)recvOv.InternalHigh, buf);

  WSABUF two[2] = {{7, "gather "}, {2, "me"}};
  WSASend(server, two, 2, &n, 0, &sendOv, NULL);
  dequeue("send done", 10000, &sendOv, "send", NULL, "");
  n = 0;
  while (n < 9) n += recv(client, buf + n, sizeof buf - n, 0);
  printf("client got: %.9s\n", buf);

  send(client, "abcdefg", 7, 0);
  Sleep(200);
  WSABUF parts[2] = {{3, a}, {10, b}};
  flags = 0;
  WSARecv(server, parts, 2, NULL, &flags, &recvOv, NULL);
  dequeue("scatter", 10000, &recvOv, "recv", NULL, "");
  printf("scatter data: %.3s %.4s\n", a, b);

  PostQueuedCompletionStatus(port, 42, 0xdead, &mine);
  dequeue("post", 10000, &mine, "mine", NULL, "");
  for (int i = 1; i <= 3; i++) PostQueuedCompletionStatus(port, i, i, NULL);
  OVERLAPPED_ENTRY entries[2];
  ULONG removed = 0;
  BOOL ok = GetQueuedCompletionStatusEx(port, entries, 2, &removed, 1000, FALSE);
  printf("ex: ok=%d removed=%lu [%llu %lu] [%llu %lu]\n", ok ? 1 : 0, removed,
         (unsigned long long)entries[0].lpCompletionKey, entries[0].dwNumberOfBytesTransferred,
         (unsigned long long)entries[1].lpCompletionKey, entries[1].dwNumberOfBytesTransferred);
  dequeue("ex rest", 0, NULL, "", NULL, "");

  flags = 0;
  rc = WSARecv(server, &one, 1, NULL, &flags, &recvOv, NULL);
  printf("recv before close: rc=%d err=%d\n", rc, rc ? WSAGetLastError() : 0);
  printf("closesocket: %d\n", closesocket(server));
  dequeue("aborted", 10000, &recvOv, "recv", NULL, "");
  dequeue("nothing more", 0, NULL, "", NULL, "");

  pair();
  CreateIoCompletionPort((HANDLE)server, port, 0x77, 0);
  flags = 0;
  WSARecv(server, &one, 1, NULL, &flags, &recvOv, NULL);
  closesocket(client);
  dequeue("peer closed", 10000, &recvOv, "recv", NULL, "");
  closesocket(server);
  closesocket(listener);

  printf("CloseHandle: %d\n", CloseHandle(port) ? 1 : 0);
  ok = CloseHandle(port);
  printf("CloseHandle again: %d err=%lu\n", ok ? 1 : 0, ok ? 0 : GetLastError());
  ok = PostQueuedCompletionStatus(port, 0, 0, NULL);
  printf("post to closed: %d err=%lu\n", ok ? 1 : 0, ok ? 0 : GetLastError());
  dequeue("dequeue closed", 0, NULL, "", NULL, "");
  WSACleanup();
  return 0;
}
