/**
 * What the event select and asynchronous select servers do for their
 * clients once told which event happened, on non-blocking sockets: accept a
 * new client (`Acceptor`), greet it, echo each message back to its sender
 * (printed with the client's address), keep what a send could not take
 * until `FD_WRITE`, and drop a client that left (下线) or failed (出错了,
 * with the code).
 *
 * @module
 */

import {
  AF_INET,
  formatAddress,
  INVALID_SOCKET,
  sizeof,
  sockaddr_in,
  sockaddr_in6,
  type SOCKET,
  SOCKET_ERROR,
  type Winsock,
  WSAEWOULDBLOCK,
} from "../mod.ts";
import { printLine } from "../tutorial/console.ts";
import { ChunkDecoder, encodeText, type WireEncoding } from "../tutorial/text.ts";
import { AcceptFailures, failureLine } from "../tutorial/program.ts";

/** How long accepting pauses when descriptors ran out, unless a client leaves first. */
const BACK_OFF_MS = 1000;

/**
 * The listener's side: one `accept` per `FD_ACCEPT`. A client's address is
 * the one `accept` gives (`getpeername` fails once a client has reset). A
 * failure is that client's: printed, and the server goes on. Out of
 * descriptors or buffers (10024 `WSAEMFILE`, 10055 `WSAENOBUFS`) it is
 * printed once (again only a minute later), and accepting pauses until a
 * client leaves or a second has passed, while those connected are served:
 * the newcomer waits in the backlog meanwhile, where an accept at once would
 * fail again, and each failed accept lets `FD_ACCEPT` come again at once.
 */
export class Acceptor {
  #ws: Winsock;
  #listener: SOCKET;
  #af: number;
  #accepted: (s: SOCKET, name: string) => Promise<void>;
  /** Out of descriptors: no accept until `#resume`. */
  #paused = false;
  /** Says what failed: a shortage once a minute at most. */
  #failures = new AcceptFailures();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Accepts on `listener` (family `af`); `accepted` selects and serves each client. */
  constructor(
    ws: Winsock,
    listener: SOCKET,
    af: number,
    accepted: (s: SOCKET, name: string) => Promise<void>,
  ) {
    this.#ws = ws;
    this.#listener = listener;
    this.#af = af;
    this.#accepted = accepted;
  }

  /** FD_ACCEPT: one `accept` (which lets FD_ACCEPT be recorded again for the next client). */
  async accept(): Promise<void> {
    if (this.#paused) return; // the pause ends with an accept
    const addr = this.#af === AF_INET ? new sockaddr_in() : new sockaddr_in6();
    const socketClient = await this.#ws.accept(this.#listener, addr, { value: sizeof(addr) });
    if (socketClient === INVALID_SOCKET) {
      const code = this.#ws.WSAGetLastError();
      if (code === WSAEWOULDBLOCK) return;
      if (this.#failures.failed(code) > 0) this.#pause(); // out of descriptors: not at once
      return;
    }
    await this.#accepted(socketClient, formatAddress(addr));
  }

  /** A client is leaving: a descriptor is free again, accept the next one (after its close). */
  freed(): void {
    if (this.#paused) this.#resume(0);
  }

  #pause(): void {
    this.#paused = true;
    this.#resume(BACK_OFF_MS);
  }

  #resume(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#paused = false;
      this.accept();
    }, ms);
  }
}

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
  #encoding: WireEncoding;
  #greeting: Uint8Array;
  #onDrop: (s: SOCKET) => void;
  #clients = new Map<SOCKET, Client>();

  /** Clients; `onDrop` runs before a dropped client's socket is closed. */
  constructor(ws: Winsock, encoding: WireEncoding, onDrop: (s: SOCKET) => void = () => {}) {
    this.#ws = ws;
    this.#encoding = encoding;
    this.#greeting = encodeText("服务器链接成功\0", encoding);
    this.#onDrop = onDrop;
  }

  /** Whether `s` is a client still served. */
  has(s: SOCKET): boolean {
    return this.#clients.has(s);
  }

  /** A client just accepted (and selected), `name` its address: greets it. */
  async add(s: SOCKET, name: string): Promise<void> {
    const client: Client = {
      name,
      text: new ChunkDecoder(this.#encoding),
      outbox: [this.#greeting],
      readLater: false,
      sending: false,
    };
    this.#clients.set(s, client);
    printLine(`客户端链接成功: ${client.name}`);
    await this.#drain(s, client);
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

  /** Sends what waits, then makes the read that waited for it (whoever's send emptied the outbox). */
  async #drain(s: SOCKET, client: Client): Promise<void> {
    if (!await this.#flush(s, client)) return;
    if (client.outbox.length === 0 && client.readLater && !client.sending) {
      client.readLater = false;
      await this.readable(s);
    }
  }

  /** FD_WRITE: room again; what waited goes out, then a read that waited for it. */
  async writable(s: SOCKET): Promise<void> {
    const client = this.#clients.get(s);
    if (client) await this.#drain(s, client);
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
      await this.#drain(s, client);
    }
  }

  #said(client: Client, bytes: Uint8Array): void {
    const text = client.text.decode(bytes); // control characters escaped
    printLine(`客户端 ${client.name} 说:\t${bytes.byteLength}  ${text}`);
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
