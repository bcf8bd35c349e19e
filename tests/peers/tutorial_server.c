/*
 * tutorial_server.c - the server from the tutorial "【网络编程】基于TCP/IP协议的C/S模型"
 * (section 服务端 / 完整代码), kept call-for-call and text-for-text, so it can
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
#include<winsock2.h>   /* DEVIATION: lower-case header name for mingw on Linux */
#include<stdio.h>
#include<string.h>
#include<stdlib.h>     /* DEVIATION: atoi() for the optional port argument */
#pragma comment(lib,"ws2_32.lib")  /* MSVC only; mingw links with -lws2_32 */

int main(int argc, char *argv[])  /* DEVIATION: argv for the port (was main(void)) */
{
	/* DEVIATION: unbuffered stdout so a test reading our pipe sees each line at once */
	setvbuf(stdout, NULL, _IONBF, 0);
	/* DEVIATION: optional argv[1] = port (tutorial: fixed 12345) */
	unsigned short port = argc > 1 ? (unsigned short)atoi(argv[1]) : 12345;

	//打开网络库 
	WORD wdVersion = MAKEWORD(2, 2);
	WSADATA wdSockMsg;
	int nRes = WSAStartup(wdVersion,&wdSockMsg);

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
	//创建socket
	SOCKET socketServer = socket(AF_INET,SOCK_STREAM,IPPROTO_TCP);

	if (INVALID_SOCKET == socketServer)
	{
		printf("创建服务器socket失败");
		int a = WSAGetLastError();//获取错误码
		printf(" %d\n", a);  /* DEVIATION: show the error code */
		WSACleanup();
		return 1;  /* DEVIATION: exit 1 */
	}

	SOCKADDR_IN si;
	si.sin_family = AF_INET;//地址类型
	si.sin_port = htons(port);//端口-将输入的unsigned short转换  (DEVIATION: port variable)
	si.sin_addr.S_un.S_addr = inet_addr("127.0.0.1");//ip地址

	if (SOCKET_ERROR == bind(socketServer, (const struct sockaddr *)&si, sizeof(si)))
	{
		printf("绑定错误");
		int a = GetLastError();
		printf(" %d\n", a);  /* DEVIATION: show the error code (e.g. 10048 = port in use) */

		//释放
		closesocket(socketServer);
		//关闭网络库
		WSACleanup();
		return 1;  /* DEVIATION: exit 1 */
	}

	//开始监听
	if (SOCKET_ERROR == listen(socketServer, SOMAXCONN))
	{
		//出错了
		int a = GetLastError();
		printf("出错了 %d\n", a);  /* DEVIATION: the tutorial prints nothing here */
		//释放
		closesocket(socketServer);
		//关闭网络库
		WSACleanup();
		return 1;  /* DEVIATION: exit 1 */
	}


	//创建客户端
	struct sockaddr_in clientMsg;//客户端信息
	int len = sizeof(clientMsg);
	SOCKET socketClient = accept(socketServer, (struct sockaddr*)&clientMsg, &len);
	if (socketClient == INVALID_SOCKET)
	{
		printf("客户端链接失败");
		printf(" %d\n", WSAGetLastError());  /* DEVIATION: show the error code */
		closesocket(socketServer);
		closesocket(socketClient);
		WSACleanup();//清理网络库
		return 1;  /* DEVIATION: exit 1 */
	}
	printf("客户端链接成功\n");


	//收发消息

	/* sizeof includes the terminating NUL: 15 bytes in GBK, 22 in UTF-8 */
	int sValue = send(socketClient, "服务器链接成功", sizeof("服务器链接成功"), 0);
	if (sValue == SOCKET_ERROR)
	{
		int a = WSAGetLastError();
		printf("出错了 %d\n", a);  /* DEVIATION: the tutorial prints nothing here */
		closesocket(socketClient);
		closesocket(socketServer);
		WSACleanup();
		return 1;  /* DEVIATION: exit 1 */
	 }

	while (1)
	{
		char buf[1500] = { 0 };
		int res = recv(socketClient, buf, 50, 0);
		if (res == 0)//客户端下线，链接中断
		{
			printf("链接中断、客户端下线\n");
			/* DEVIATION: leave cleanly with 0 (the tutorial keeps looping) */
			closesocket(socketServer);
			closesocket(socketClient);
			WSACleanup();
			return 0;
		}
		else if (res == SOCKET_ERROR)
		{
			/* DEVIATION: print the WSA error code and exit 1 (tutorial: "出错了\n", keeps looping) */
			int a = WSAGetLastError();
			printf("出错了 %d\n", a);
			closesocket(socketServer);
			closesocket(socketClient);
			WSACleanup();
			return 1;
		}
		else
		{
			printf("客户端说:\t%d  %s\n", res, buf);
		}

		/* DEVIATION: stop cleanly (exit 0) when stdin hits EOF */
		if (scanf("%s", buf) == EOF)
		{
			closesocket(socketServer);
			closesocket(socketClient);
			WSACleanup();
			return 0;
		}
		/* DEVIATION: check the result (the tutorial ignores it) */
		if (send(socketClient, buf,strlen(buf), 0) == SOCKET_ERROR)
		{
			printf("出错了 %d\n", WSAGetLastError());
			closesocket(socketServer);
			closesocket(socketClient);
			WSACleanup();
			return 1;
		}
	}

	/* not reached (the loop only leaves via return) */
	closesocket(socketServer);
	closesocket(socketClient);
	WSACleanup();//清理网络库

	/* DEVIATION: no system("pause") - it would wait for a key press */
	return 0;
}
