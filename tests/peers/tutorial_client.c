/*
 * tutorial_client.c - the client from the tutorial "【网络编程】基于TCP/IP协议的C/S模型"
 * (section 客户端 / 完整代码), kept call-for-call and text-for-text, so it can
 * act as a real-Winsock test peer. Build with tools/wine/build-peers.sh
 * (x86_64-w64-mingw32-gcc ... -lws2_32, -fexec-charset=UTF-8 or GBK).
 *
 * Every change from the tutorial is marked "DEVIATION:". In short:
 * unbuffered stdout, optional port in argv[1], and clean exits (0 on peer
 * close or stdin EOF, 1 on errors) instead of looping forever.
 * This file is UTF-8; the Chinese literals are re-encoded by -fexec-charset.
 */
#define _WINSOCK_DEPRECATED_NO_WARNINGS 
#define _CRT_SECURE_NO_WARNINGS
#include<stdio.h>
#include<string.h>
#include<stdlib.h>
#include<winsock2.h>   /* DEVIATION: lower-case header name for mingw on Linux */
#pragma  comment(lib,"Ws2_32.lib")  /* MSVC only; mingw links with -lws2_32 */
int main(int argc, char *argv[])  /* DEVIATION: argv for the port (was main(void)) */
{
	/* DEVIATION: unbuffered stdout so a test reading our pipe sees each line at once */
	setvbuf(stdout, NULL, _IONBF, 0);
	/* DEVIATION: optional argv[1] = port (tutorial: fixed 12345) */
	unsigned short port = argc > 1 ? (unsigned short)atoi(argv[1]) : 12345;

	WORD wdVersion = MAKEWORD(2, 2);
	WSADATA wdSockMsg;
	int nRes = WSAStartup(wdVersion, &wdSockMsg);
	if (nRes != 0)
	{
		printf("网络库打开失败");
		return 1;  /* DEVIATION: exit 1 on failure (tutorial: return 0) */
	}
	//校验版本
	if (HIBYTE(wdSockMsg.wVersion) != 2 || LOBYTE(wdSockMsg.wVersion) != 2)
	{
		//说明版本不对
		printf("版本不对");
		WSACleanup();//清理网络库
		return 1;  /* DEVIATION: exit 1 */
	}
	//创建的是服务器的，客户端不用创建自己的socket，因为链接服务器，服务器会创建出来客户端的socket
	SOCKET socketServer = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (INVALID_SOCKET == socketServer)
	{
		int a = WSAGetLastError();
		printf("出错了 %d\n", a);  /* DEVIATION: the tutorial prints nothing here */
		WSACleanup();
		return 1;  /* DEVIATION: exit 1 */
	}

	//链接服务器
	struct sockaddr_in serverMsg;
	serverMsg.sin_family = AF_INET;
	serverMsg.sin_port = htons(port);//转换成网络字节序  (DEVIATION: port variable)
	serverMsg.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");//服务器ip地址

	int cValue = connect(socketServer, (struct sockaddr*)&serverMsg, sizeof(serverMsg));
	if (cValue == SOCKET_ERROR)
	{
		int a = WSAGetLastError();
		printf("出错了 %d\n", a);  /* DEVIATION: the tutorial prints nothing (10061 = refused) */
		closesocket(socketServer);
		WSACleanup();
		return 1;  /* DEVIATION: exit 1 */
	}

	//收发消息

	while (1)
	{
		char buf[1500] = { 0 };
		int res = recv(socketServer, buf, 50, 0);

		if (res == 0)//客户端下线，链接中断
		{
			printf("链接中断、客户端下线\n");
			/* DEVIATION: leave cleanly with 0 (the tutorial keeps looping) */
			closesocket(socketServer);
			WSACleanup();
			return 0;
		}
		else if (res == SOCKET_ERROR)
		{
			/* DEVIATION: print the WSA error code and exit 1 (tutorial: "出错了\n", keeps looping) */
			int a = WSAGetLastError();
			printf("出错了 %d\n", a);
			closesocket(socketServer);
			WSACleanup();
			return 1;
		}
		else
		{
			printf("服务器说:\t%d  %s\n", res, buf);
		}

		/* DEVIATION: stop cleanly (exit 0) when stdin hits EOF */
		if (scanf("%s", buf) == EOF)
		{
			closesocket(socketServer);
			WSACleanup();
			return 0;
		}
		int sValue = send(socketServer, buf, strlen(buf), 0);
		if (sValue == SOCKET_ERROR)
		{
			int a = WSAGetLastError();
			printf("出错了 %d\n", a);  /* DEVIATION: the tutorial prints nothing here */
			closesocket(socketServer);
			WSACleanup();
			return 1;  /* DEVIATION: exit 1 (tutorial: return 0) */
		}
	}
	
	/* not reached (the loop only leaves via return) */
	//清理网络库
	closesocket(socketServer);
	WSACleanup();
	/* DEVIATION: no system("pause") - it would wait for a key press */
	return 0;
}
