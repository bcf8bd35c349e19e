/**
 * What the event select and asynchronous select servers do for their
 * clients once told which event happened, on non-blocking sockets: greet a
 * new client, echo each message back to its sender (printed with the
 * client's address), keep what a send could not take until `FD_WRITE`, and
 * drop a client that left (下线) or failed (出错了, with the code).
 *
 * @module
 */

import { type SOCKET, SOCKET_ERROR, type Winsock, WSAEWOULDBLOCK } from "../mod.ts";
import { printLine } from "../lib/console.ts";
import { ChunkDecoder, encodeText, type WireEncoding } from "../lib/text.ts";
import { failureLine, peerName } from "../lib/tutorial.ts";

interface Client {
  name: string;
  text: ChunkDecoder;
  /** What is still to be sent to it. */
  outbox: Uint8Array[];
  /** FD_READ came while an echo was not out yet: read once it is. */
  readLater: boolean;
  /** A flush is in progress (another loop's). */
  sending: boolean;
}

/** The clients of a server, by socket. */
export class EchoClients {
  #ws: Winsock;
  /** The clients' address family (the listener's). */
  #af: number;
  #encoding: WireEncoding;
  #greeting: Uint8Array;
  #onDrop: (s: SOCKET) => void;
  #clients = new Map<SOCKET, Client>();

  /** Clients of family `af`; `onDrop` runs before a dropped client's socket is closed. */
  constructor(
    ws: Winsock,
    af: number,
    encoding: WireEncoding,
    onDrop: (s: SOCKET) => void = () => {},
  ) {
    this.#ws = ws;
    this.#af = af;
    this.#encoding = encoding;
    this.#greeting = encodeText("服务器链接成功\0", encoding);
    this.#onDrop = onDrop;
  }

  /** Whether `s` is a client still served. */
  has(s: SOCKET): boolean {
    return this.#clients.has(s);
  }

  /** A client just accepted (and selected): greets it. */
  async add(s: SOCKET): Promise<void> {
    const client: Client = {
      name: peerName(this.#ws, s, this.#af),
      text: new ChunkDecoder(this.#encoding),
      outbox: [this.#greeting],
      readLater: false,
      sending: false,
    };
    this.#clients.set(s, client);
    printLine(`客户端链接成功: ${client.name}`);
    await this.#flush(s, client);
  }

  /** Takes a client out, closes its socket. */
  drop(s: SOCKET): void {
    if (!this.#clients.delete(s)) return;
    this.#onDrop(s);
    this.#ws.closesocket(s);
  }

  #failed(s: SOCKET, client: Client, code: number): void {
    printLine(`客户端 ${client.name} ${failureLine("出错了", code)}`);
    this.drop(s);
  }

  /** Sends what waits in the outbox, as much as the socket takes now; false if it dropped the client. */
  async #flush(s: SOCKET, client: Client): Promise<boolean> {
    if (client.sending) return true; // the flush in progress sends this too
    client.sending = true;
    try {
      while (client.outbox.length > 0) {
        const bytes = client.outbox[0];
        const n = await this.#ws.send(s, bytes, bytes.byteLength, 0);
        if (n === SOCKET_ERROR) {
          const code = this.#ws.WSAGetLastError();
          if (code === WSAEWOULDBLOCK) return true; // FD_WRITE will say when there is room
          this.#failed(s, client, code);
          return false;
        }
        if (n < bytes.byteLength) client.outbox[0] = bytes.subarray(n);
        else client.outbox.shift();
      }
      return true;
    } finally {
      client.sending = false;
    }
  }

  /** FD_WRITE: room again; what waited goes out, then a read that waited for it. */
  async writable(s: SOCKET): Promise<void> {
    const client = this.#clients.get(s);
    if (!client || !await this.#flush(s, client)) return;
    if (client.outbox.length === 0 && client.readLater) {
      client.readLater = false;
      await this.readable(s);
    }
  }

  /** FD_READ: one `recv` (which lets FD_READ be recorded again), printed and echoed. */
  async readable(s: SOCKET): Promise<void> {
    const client = this.#clients.get(s);
    if (!client) return;
    if (client.outbox.length > 0) { // the echo of the last message is not out yet
      client.readLater = true;
      return;
    }
    const strBuf = new Uint8Array(1500);
    const nRecv = await this.#ws.recv(s, strBuf, strBuf.byteLength, 0);
    if (nRecv === SOCKET_ERROR) {
      const code = this.#ws.WSAGetLastError();
      if (code !== WSAEWOULDBLOCK) this.#failed(s, client, code);
    } else if (nRecv > 0) {
      this.#said(client, strBuf.subarray(0, nRecv));
      client.outbox.push(strBuf.subarray(0, nRecv)); // 回声: back to its sender
      await this.#flush(s, client);
    }
  }

  #said(client: Client, bytes: Uint8Array): void {
    printLine(`客户端 ${client.name} 说:\t${bytes.byteLength}  ${client.text.decode(bytes)}`);
  }

  /** FD_CLOSE (`code` from its record): what is left to read, then the close, orderly or not. */
  async closed(s: SOCKET, code: number): Promise<void> {
    const client = this.#clients.get(s);
    if (!client) return;
    const strBuf = new Uint8Array(1500);
    for (;;) {
      const nRecv = await this.#ws.recv(s, strBuf, strBuf.byteLength, 0);
      if (nRecv > 0) {
        this.#said(client, strBuf.subarray(0, nRecv));
        continue;
      }
      if (nRecv === SOCKET_ERROR && this.#ws.WSAGetLastError() !== WSAEWOULDBLOCK) {
        code ||= this.#ws.WSAGetLastError(); // Wine records a reset's FD_CLOSE with 0: recv tells
      }
      break;
    }
    if (code !== 0) return this.#failed(s, client, code);
    printLine(`客户端 ${client.name} 下线`);
    this.drop(s);
  }
}
