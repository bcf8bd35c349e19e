import assert from "node:assert/strict";
import * as errors from "../lib/errors.ts";
import {
  describeWinsockError,
  formatWinsockError,
  isWinsockError,
  TUTORIAL_WSASTARTUP_NOTES,
  WINSOCK_ERRORS,
  WinsockError,
  WSAEADDRINUSE,
  WSAECONNREFUSED,
  WSAECONNRESET,
} from "../lib/errors.ts";

/** Codes Microsoft's "Windows Sockets Error Codes" page lists in 10004..10112 and 11001..11004. */
const EXPECTED_CODES = [
  6,
  87,
  995,
  996,
  997,
  10004,
  10009,
  10013,
  10014,
  10022,
  10024,
  10035,
  10036,
  10037,
  10038,
  10039,
  10040,
  10041,
  10042,
  10043,
  10044,
  10045,
  10046,
  10047,
  10048,
  10049,
  10050,
  10051,
  10052,
  10053,
  10054,
  10055,
  10056,
  10057,
  10058,
  10059,
  10060,
  10061,
  10062,
  10063,
  10064,
  10065,
  10066,
  10067,
  10068,
  10069,
  10070,
  10071,
  10091,
  10092,
  10093,
  10101,
  10102,
  10103,
  10104,
  10105,
  10106,
  10107,
  10108,
  10109,
  10110,
  10111,
  10112,
  11001,
  11002,
  11003,
  11004,
];

Deno.test("table holds exactly the documented codes, in ascending order", () => {
  assert.deepEqual([...WINSOCK_ERRORS.keys()], EXPECTED_CODES);
});

Deno.test("table entries are well formed with unique names", () => {
  const names = new Set<string>();
  for (const [code, info] of WINSOCK_ERRORS) {
    assert.equal(info.code, code);
    assert.match(info.name, /^WSA[A-Z_]+$/);
    assert.ok(!names.has(info.name), `duplicate name ${info.name}`);
    names.add(info.name);
    assert.ok(info.english.trim().length > 0, `${code} english empty`);
    assert.ok(info.english.endsWith("."), `${code} english lacks period`);
    assert.ok(info.chinese.trim().length > 0, `${code} chinese empty`);
    assert.match(info.chinese, /[\u4e00-\u9fff]/, `${code} chinese not CJK`);
    assert.ok(Object.isFrozen(info));
  }
  assert.equal(names.size, EXPECTED_CODES.length);
});

Deno.test("named constants equal their table entries", () => {
  const exported = errors as unknown as Record<string, unknown>;
  for (const [code, info] of WINSOCK_ERRORS) {
    assert.equal(exported[info.name], code, info.name);
  }
  // ...and every exported WSA* constant is in the table.
  const constants = Object.entries(exported).filter(([k, v]) =>
    k.startsWith("WSA") && typeof v === "number"
  );
  assert.equal(constants.length, WINSOCK_ERRORS.size);
  for (const [name, code] of constants) {
    assert.equal(WINSOCK_ERRORS.get(code as number)?.name, name);
  }
});

Deno.test("spot checks of names and meanings", () => {
  const cases: [number, string, string, string][] = [
    [10048, "WSAEADDRINUSE", "Address already in use.", "地址已被使用。"],
    [10061, "WSAECONNREFUSED", "Connection refused.", "连接被拒绝。"],
    [10054, "WSAECONNRESET", "Connection reset by peer.", "连接被对方重置。"],
    [
      10038,
      "WSAENOTSOCK",
      "Socket operation on nonsocket.",
      "在非套接字上执行了套接字操作。",
    ],
    [
      10093,
      "WSANOTINITIALISED",
      "Successful WSAStartup not yet performed.",
      "尚未成功调用 WSAStartup。",
    ],
  ];
  for (const [code, name, english, chinese] of cases) {
    assert.deepEqual({ ...describeWinsockError(code) }, {
      code,
      name,
      english,
      chinese,
    });
  }
  assert.equal(WSAEADDRINUSE, 10048);
  assert.equal(WSAECONNREFUSED, 10061);
  assert.equal(WSAECONNRESET, 10054);
  assert.equal(errors.WSAENOTSOCK, 10038);
  assert.equal(errors.WSANOTINITIALISED, 10093);
  assert.equal(errors.WSAEWOULDBLOCK, 10035);
  assert.equal(errors.WSA_E_CANCELLED, 10111);
  assert.equal(errors.WSANO_DATA, 11004);
});

Deno.test("formatWinsockError produces one line", () => {
  assert.equal(
    formatWinsockError(10048),
    "10048 WSAEADDRINUSE: Address already in use. 地址已被使用。",
  );
  assert.equal(
    formatWinsockError(10061),
    "10061 WSAECONNREFUSED: Connection refused. 连接被拒绝。",
  );
  for (const code of WINSOCK_ERRORS.keys()) {
    assert.ok(!formatWinsockError(code).includes("\n"));
  }
});

Deno.test("tutorial WSAStartup notes", () => {
  assert.deepEqual([...TUTORIAL_WSASTARTUP_NOTES.keys()].sort(), [
    10014,
    10036,
    10067,
    10091,
    10092,
  ]);
  assert.equal(
    TUTORIAL_WSASTARTUP_NOTES.get(10091),
    "底层网络子系统尚未准备好进行网络通信。系统配置问题，重启下电脑，检查ws2_32库是否存在，或者是否在环境配置目录下",
  );
  assert.equal(
    TUTORIAL_WSASTARTUP_NOTES.get(10092),
    "此特定Windows套接字实现不提供所请求的Windows套接字支持版本。要使用的版本不支持",
  );
  assert.equal(
    TUTORIAL_WSASTARTUP_NOTES.get(10067),
    "已达到对Windows套接字实现支持的任务数量的限制。Windows Sockets实现可能限制同时使用它的应用程序的数量",
  );
  assert.equal(
    TUTORIAL_WSASTARTUP_NOTES.get(10036),
    "正在阻止Windows Sockets 1.1操作。当前函数运行期间，由于某些原因造成阻塞，会返回在这个错误码，其他操作均禁止",
  );
  assert.equal(
    TUTORIAL_WSASTARTUP_NOTES.get(10014),
    "lpWSAData参数不是有效指针。参数写错了",
  );
  for (const code of TUTORIAL_WSASTARTUP_NOTES.keys()) {
    assert.ok(WINSOCK_ERRORS.has(code), `${code} missing from table`);
  }
});

Deno.test("unknown codes describe as UNKNOWN and never throw", () => {
  for (const code of [0, -1, 10000, 10005, 10113, 11005, 99999, 1.5, NaN]) {
    const info = describeWinsockError(code);
    assert.deepEqual({ ...info }, {
      code,
      name: "UNKNOWN",
      english: "Unknown error.",
      chinese: "未知错误。",
    });
  }
  assert.equal(formatWinsockError(12345), "12345 UNKNOWN: Unknown error. 未知错误。");
  const err = new WinsockError(12345);
  assert.equal(err.name, "UNKNOWN");
  assert.equal(err.message, "12345 UNKNOWN: Unknown error. 未知错误。");
});

Deno.test("WinsockError fields, name, message and instanceof", () => {
  const cause = new Error("root");
  const err = new WinsockError(10048, "bind", { cause });
  assert.ok(err instanceof Error);
  assert.ok(err instanceof WinsockError);
  assert.equal(err.code, 10048);
  assert.equal(err.name, "WSAEADDRINUSE");
  assert.equal(err.english, "Address already in use.");
  assert.equal(err.chinese, "地址已被使用。");
  assert.equal(
    err.message,
    "bind: 10048 WSAEADDRINUSE: Address already in use. 地址已被使用。",
  );
  assert.equal(err.cause, cause);
  assert.equal(
    String(err),
    "WSAEADDRINUSE: bind: 10048 WSAEADDRINUSE: Address already in use. 地址已被使用。",
  );
  assert.ok(err.stack?.startsWith("WSAEADDRINUSE: bind: 10048"));

  const bare = new WinsockError(10061);
  assert.equal(
    bare.message,
    "10061 WSAECONNREFUSED: Connection refused. 连接被拒绝。",
  );
  assert.equal(new WinsockError(10061, "").message, bare.message);

  assert.throws(() => {
    throw new WinsockError(10054, "recv");
  }, { name: "WSAECONNRESET", code: 10054 });
});

Deno.test("isWinsockError", () => {
  const err: unknown = new WinsockError(10054);
  assert.equal(isWinsockError(err), true);
  assert.equal(isWinsockError(err, WSAECONNRESET), true);
  assert.equal(isWinsockError(err, WSAECONNREFUSED), false);
  assert.equal(isWinsockError(new Error("x")), false);
  assert.equal(isWinsockError({ code: 10054, name: "WSAECONNRESET" }), false);
  assert.equal(isWinsockError(undefined), false);
  assert.equal(isWinsockError(null, 10054), false);
  if (isWinsockError(err)) {
    const code: number = err.code; // narrowed
    assert.equal(code, 10054);
  }
});
