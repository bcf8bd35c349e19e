/**
 * Winsock error codes (`WSAGetLastError()` / `WSAStartup()` return values)
 * with their Microsoft names, the short English meanings from Microsoft's
 * "Windows Sockets Error Codes" page, and Simplified Chinese meanings.
 *
 * Winsock 错误码表：名称、微软文档中的英文简短说明，以及中文说明。
 *
 * @example
 * ```ts
 * console.log(formatWinsockError(10061));
 * // "10061 WSAECONNREFUSED: Connection refused. 连接被拒绝。"
 * ```
 *
 * @module
 */

/**
 * One row of the Winsock error table.
 *
 * @example
 * ```ts
 * const info: WinsockErrorInfo = describeWinsockError(10054);
 * console.log(info.code, info.name); // 10054 "WSAECONNRESET"
 * console.log(info.english); // "Connection reset by peer."
 * console.log(info.chinese); // "连接被对方重置。"
 * ```
 */
export interface WinsockErrorInfo {
  /** The numeric error code, e.g. `10048`. */
  readonly code: number;
  /** The Winsock constant name, e.g. `"WSAEADDRINUSE"`. */
  readonly name: string;
  /** Microsoft's short English meaning, e.g. `"Address already in use."`. */
  readonly english: string;
  /** A Simplified Chinese meaning, e.g. `"地址已被使用。"`. */
  readonly chinese: string;
}

/** The raw table: `[code, name, english, chinese]`, sorted by code. */
const TABLE: readonly (readonly [number, string, string, string])[] = [
  [
    6,
    "WSA_INVALID_HANDLE",
    "Specified event object handle is invalid.",
    "指定的事件对象句柄无效。",
  ],
  [87, "WSA_INVALID_PARAMETER", "One or more parameters are invalid.", "一个或多个参数无效。"],
  [995, "WSA_OPERATION_ABORTED", "Overlapped operation aborted.", "重叠操作被中止。"],
  [
    996,
    "WSA_IO_INCOMPLETE",
    "Overlapped I/O event object not in signaled state.",
    "重叠 I/O 尚未完成。",
  ],
  [997, "WSA_IO_PENDING", "Overlapped operations will complete later.", "重叠操作将在稍后完成。"],
  [10004, "WSAEINTR", "Interrupted function call.", "函数调用被中断。"],
  [10009, "WSAEBADF", "File handle is not valid.", "文件句柄无效。"],
  [10013, "WSAEACCES", "Permission denied.", "权限被拒绝。"],
  [10014, "WSAEFAULT", "Bad address.", "地址错误（指针无效）。"],
  [10022, "WSAEINVAL", "Invalid argument.", "参数无效。"],
  [10024, "WSAEMFILE", "Too many open files.", "打开的文件（套接字）过多。"],
  [10035, "WSAEWOULDBLOCK", "Resource temporarily unavailable.", "资源暂时不可用。"],
  [10036, "WSAEINPROGRESS", "Operation now in progress.", "操作正在进行中。"],
  [10037, "WSAEALREADY", "Operation already in progress.", "操作已在进行中。"],
  [10038, "WSAENOTSOCK", "Socket operation on nonsocket.", "在非套接字上执行了套接字操作。"],
  [10039, "WSAEDESTADDRREQ", "Destination address required.", "需要目标地址。"],
  [10040, "WSAEMSGSIZE", "Message too long.", "消息过长。"],
  [10041, "WSAEPROTOTYPE", "Protocol wrong type for socket.", "协议类型与套接字不匹配。"],
  [10042, "WSAENOPROTOOPT", "Bad protocol option.", "协议选项错误。"],
  [10043, "WSAEPROTONOSUPPORT", "Protocol not supported.", "不支持该协议。"],
  [10044, "WSAESOCKTNOSUPPORT", "Socket type not supported.", "不支持该套接字类型。"],
  [10045, "WSAEOPNOTSUPP", "Operation not supported.", "不支持该操作。"],
  [10046, "WSAEPFNOSUPPORT", "Protocol family not supported.", "不支持该协议族。"],
  [
    10047,
    "WSAEAFNOSUPPORT",
    "Address family not supported by protocol family.",
    "协议族不支持该地址族。",
  ],
  [10048, "WSAEADDRINUSE", "Address already in use.", "地址已被使用。"],
  [10049, "WSAEADDRNOTAVAIL", "Cannot assign requested address.", "无法分配请求的地址。"],
  [10050, "WSAENETDOWN", "Network is down.", "网络已断开。"],
  [10051, "WSAENETUNREACH", "Network is unreachable.", "网络不可达。"],
  [10052, "WSAENETRESET", "Network dropped connection on reset.", "网络重置时连接已断开。"],
  [10053, "WSAECONNABORTED", "Software caused connection abort.", "软件导致连接中止。"],
  [10054, "WSAECONNRESET", "Connection reset by peer.", "连接被对方重置。"],
  [10055, "WSAENOBUFS", "No buffer space available.", "没有可用的缓冲区空间。"],
  [10056, "WSAEISCONN", "Socket is already connected.", "套接字已经连接。"],
  [10057, "WSAENOTCONN", "Socket is not connected.", "套接字尚未连接。"],
  [10058, "WSAESHUTDOWN", "Cannot send after socket shutdown.", "套接字关闭后无法再发送。"],
  [10059, "WSAETOOMANYREFS", "Too many references.", "引用过多。"],
  [10060, "WSAETIMEDOUT", "Connection timed out.", "连接超时。"],
  [10061, "WSAECONNREFUSED", "Connection refused.", "连接被拒绝。"],
  [10062, "WSAELOOP", "Cannot translate name.", "无法转换名称。"],
  [10063, "WSAENAMETOOLONG", "Name too long.", "名称过长。"],
  [10064, "WSAEHOSTDOWN", "Host is down.", "主机已关闭。"],
  [10065, "WSAEHOSTUNREACH", "No route to host.", "没有到主机的路由。"],
  [10066, "WSAENOTEMPTY", "Directory not empty.", "目录不为空。"],
  [10067, "WSAEPROCLIM", "Too many processes.", "进程过多。"],
  [10068, "WSAEUSERS", "User quota exceeded.", "超出用户配额。"],
  [10069, "WSAEDQUOT", "Disk quota exceeded.", "超出磁盘配额。"],
  [10070, "WSAESTALE", "Stale file handle reference.", "文件句柄引用已失效。"],
  [10071, "WSAEREMOTE", "Item is remote.", "该项位于远程。"],
  [10091, "WSASYSNOTREADY", "Network subsystem is unavailable.", "网络子系统不可用。"],
  [10092, "WSAVERNOTSUPPORTED", "Winsock.dll version out of range.", "Winsock.dll 版本超出范围。"],
  [
    10093,
    "WSANOTINITIALISED",
    "Successful WSAStartup not yet performed.",
    "尚未成功调用 WSAStartup。",
  ],
  [10101, "WSAEDISCON", "Graceful shutdown in progress.", "正在进行正常关闭。"],
  [10102, "WSAENOMORE", "No more results.", "没有更多结果。"],
  [10103, "WSAECANCELLED", "Call has been canceled.", "调用已被取消。"],
  [10104, "WSAEINVALIDPROCTABLE", "Procedure call table is invalid.", "过程调用表无效。"],
  [10105, "WSAEINVALIDPROVIDER", "Service provider is invalid.", "服务提供程序无效。"],
  [
    10106,
    "WSAEPROVIDERFAILEDINIT",
    "Service provider failed to initialize.",
    "服务提供程序初始化失败。",
  ],
  [10107, "WSASYSCALLFAILURE", "System call failure.", "系统调用失败。"],
  [10108, "WSASERVICE_NOT_FOUND", "Service not found.", "找不到服务。"],
  [10109, "WSATYPE_NOT_FOUND", "Class type not found.", "找不到类类型。"],
  [10110, "WSA_E_NO_MORE", "No more results.", "没有更多结果。"],
  [10111, "WSA_E_CANCELLED", "Call was canceled.", "调用已被取消。"],
  [10112, "WSAEREFUSED", "Database query was refused.", "数据库查询被拒绝。"],
  [11001, "WSAHOST_NOT_FOUND", "Host not found.", "找不到主机。"],
  [11002, "WSATRY_AGAIN", "Nonauthoritative host not found.", "找不到主机（非权威应答）。"],
  [11003, "WSANO_RECOVERY", "This is a nonrecoverable error.", "这是一个不可恢复的错误。"],
  [
    11004,
    "WSANO_DATA",
    "Valid name, no data record of requested type.",
    "名称有效，但没有所请求类型的数据记录。",
  ],
];

/**
 * Every Winsock error code Microsoft documents: 6 and 87 (the event-object
 * codes of `WSAWaitForMultipleEvents`), 10004 to 10112 and 11001 to 11004, keyed by code (iteration order is ascending by code).
 *
 * @example
 * ```ts
 * const info = WINSOCK_ERRORS.get(10048);
 * console.log(info?.name); // "WSAEADDRINUSE"
 * console.log(WINSOCK_ERRORS.has(10000)); // false
 * ```
 */
export const WINSOCK_ERRORS: ReadonlyMap<number, WinsockErrorInfo> = new Map(
  TABLE.map(([code, name, english, chinese]) => [
    code,
    Object.freeze({ code, name, english, chinese }),
  ]),
);

/**
 * The tutorial's own explanations (in Chinese) of the five error codes that
 * `WSAStartup` can return, keyed by code.
 *
 * 教程中对 `WSAStartup` 五个返回错误码的解释。
 *
 * @example
 * ```ts
 * console.log(TUTORIAL_WSASTARTUP_NOTES.get(10092));
 * // "此特定Windows套接字实现不提供所请求的Windows套接字支持版本。要使用的版本不支持"
 * console.log([...TUTORIAL_WSASTARTUP_NOTES.keys()]);
 * // [10091, 10092, 10067, 10036, 10014]
 * ```
 */
export const TUTORIAL_WSASTARTUP_NOTES: ReadonlyMap<number, string> = new Map([
  [
    10091,
    "底层网络子系统尚未准备好进行网络通信。系统配置问题，重启下电脑，检查ws2_32库是否存在，或者是否在环境配置目录下",
  ],
  [
    10092,
    "此特定Windows套接字实现不提供所请求的Windows套接字支持版本。要使用的版本不支持",
  ],
  [
    10067,
    "已达到对Windows套接字实现支持的任务数量的限制。Windows Sockets实现可能限制同时使用它的应用程序的数量",
  ],
  [
    10036,
    "正在阻止Windows Sockets 1.1操作。当前函数运行期间，由于某些原因造成阻塞，会返回在这个错误码，其他操作均禁止",
  ],
  [10014, "lpWSAData参数不是有效指针。参数写错了"],
]);

/**
 * Looks up a Winsock error code. Never throws: for a code that is not in
 * {@link WINSOCK_ERRORS} it returns
 * `{ code, name: "UNKNOWN", english: "Unknown error.", chinese: "未知错误。" }`.
 *
 * @param code The error code, e.g. the result of `WSAGetLastError()`.
 * @returns The table entry, or an `UNKNOWN` entry carrying `code`.
 *
 * @example
 * ```ts
 * const info = describeWinsockError(10048);
 * console.log(info.name); // "WSAEADDRINUSE"
 * console.log(info.chinese); // "地址已被使用。"
 * console.log(describeWinsockError(42).name); // "UNKNOWN"
 * ```
 */
export function describeWinsockError(code: number): WinsockErrorInfo {
  return WINSOCK_ERRORS.get(code) ??
    Object.freeze({
      code,
      name: "UNKNOWN",
      english: "Unknown error.",
      chinese: "未知错误。",
    });
}

/**
 * Formats a Winsock error code as one line: code, name, English meaning,
 * Chinese meaning.
 *
 * @param code The error code.
 * @returns For example `"10048 WSAEADDRINUSE: Address already in use. 地址已被使用。"`.
 *
 * @example
 * ```ts
 * console.log(formatWinsockError(10048));
 * // "10048 WSAEADDRINUSE: Address already in use. 地址已被使用。"
 * ```
 */
export function formatWinsockError(code: number): string {
  const { name, english, chinese } = describeWinsockError(code);
  return `${code} ${name}: ${english} ${chinese}`;
}

/**
 * An error carrying a Winsock error code. Its `name` is the Winsock name
 * (e.g. `"WSAEADDRINUSE"`), so an uncaught one prints as
 * `WSAEADDRINUSE: bind: 10048 WSAEADDRINUSE: Address already in use. 地址已被使用。`.
 *
 * @example
 * ```ts
 * try {
 *   throw new WinsockError(10048, "bind");
 * } catch (e) {
 *   if (isWinsockError(e, WSAEADDRINUSE)) {
 *     console.log(e.name); // "WSAEADDRINUSE"
 *     console.log(e.message);
 *     // "bind: 10048 WSAEADDRINUSE: Address already in use. 地址已被使用。"
 *   }
 * }
 * ```
 */
export class WinsockError extends Error {
  /** The Winsock error code, e.g. `10048`. */
  readonly code: number;
  /** Microsoft's short English meaning of {@link WinsockError.code}. */
  readonly english: string;
  /** The Simplified Chinese meaning of {@link WinsockError.code}. */
  readonly chinese: string;
  /** The Winsock name of {@link WinsockError.code}, e.g. `"WSAEADDRINUSE"`. */
  override name: string;

  /**
   * Creates an error for a Winsock error code.
   *
   * @param code The error code, e.g. the result of `WSAGetLastError()`.
   * @param context What was being done, e.g. `"bind"`; prefixed to the message.
   * @param options Standard error options, e.g. `{ cause }`.
   *
   * @example
   * ```ts
   * const err = new WinsockError(10061, "connect");
   * console.log(err.message);
   * // "connect: 10061 WSAECONNREFUSED: Connection refused. 连接被拒绝。"
   * ```
   */
  constructor(code: number, context?: string, options?: ErrorOptions) {
    const { name, english, chinese } = describeWinsockError(code);
    super(
      `${context ? context + ": " : ""}${code} ${name}: ${english} ${chinese}`,
      options,
    );
    this.code = code;
    this.english = english;
    this.chinese = chinese;
    this.name = name;
  }
}

/**
 * Tells whether `e` is a {@link WinsockError}, optionally with a given code.
 *
 * @param e Any caught value.
 * @param code If given, `e.code` must also equal it.
 * @returns `true` if `e` is a `WinsockError` (with `code`, if given).
 *
 * @example
 * ```ts
 * const err: unknown = new WinsockError(10054);
 * console.log(isWinsockError(err)); // true
 * console.log(isWinsockError(err, WSAECONNRESET)); // true
 * console.log(isWinsockError(err, WSAECONNREFUSED)); // false
 * console.log(isWinsockError(new Error("x"))); // false
 * ```
 */
export function isWinsockError(e: unknown, code?: number): e is WinsockError {
  return e instanceof WinsockError && (code === undefined || e.code === code);
}

// Named constants, one per table entry (tested to match the table).

/** 6: Specified event object handle is invalid. 指定的事件对象句柄无效。 */
export const WSA_INVALID_HANDLE = 6;

/** 87: One or more parameters are invalid. 一个或多个参数无效。 */
export const WSA_INVALID_PARAMETER = 87;

/** 995: Overlapped operation aborted (its socket was closed). 重叠操作被中止。 */
export const WSA_OPERATION_ABORTED = 995;

/** 996: Overlapped I/O not yet complete. 重叠 I/O 尚未完成。 */
export const WSA_IO_INCOMPLETE = 996;

/** 997: Overlapped operations will complete later. 重叠操作将在稍后完成。 */
export const WSA_IO_PENDING = 997;

/** 10004: Interrupted function call. 函数调用被中断。 */
export const WSAEINTR = 10004;

/** 10009: File handle is not valid. 文件句柄无效。 */
export const WSAEBADF = 10009;

/** 10013: Permission denied. 权限被拒绝。 */
export const WSAEACCES = 10013;

/** 10014: Bad address. 地址错误（指针无效）。 */
export const WSAEFAULT = 10014;

/** 10022: Invalid argument. 参数无效。 */
export const WSAEINVAL = 10022;

/** 10024: Too many open files. 打开的文件（套接字）过多。 */
export const WSAEMFILE = 10024;

/** 10035: Resource temporarily unavailable. 资源暂时不可用。 */
export const WSAEWOULDBLOCK = 10035;

/** 10036: Operation now in progress. 操作正在进行中。 */
export const WSAEINPROGRESS = 10036;

/** 10037: Operation already in progress. 操作已在进行中。 */
export const WSAEALREADY = 10037;

/** 10038: Socket operation on nonsocket. 在非套接字上执行了套接字操作。 */
export const WSAENOTSOCK = 10038;

/** 10039: Destination address required. 需要目标地址。 */
export const WSAEDESTADDRREQ = 10039;

/** 10040: Message too long. 消息过长。 */
export const WSAEMSGSIZE = 10040;

/** 10041: Protocol wrong type for socket. 协议类型与套接字不匹配。 */
export const WSAEPROTOTYPE = 10041;

/** 10042: Bad protocol option. 协议选项错误。 */
export const WSAENOPROTOOPT = 10042;

/** 10043: Protocol not supported. 不支持该协议。 */
export const WSAEPROTONOSUPPORT = 10043;

/** 10044: Socket type not supported. 不支持该套接字类型。 */
export const WSAESOCKTNOSUPPORT = 10044;

/** 10045: Operation not supported. 不支持该操作。 */
export const WSAEOPNOTSUPP = 10045;

/** 10046: Protocol family not supported. 不支持该协议族。 */
export const WSAEPFNOSUPPORT = 10046;

/** 10047: Address family not supported by protocol family. 协议族不支持该地址族。 */
export const WSAEAFNOSUPPORT = 10047;

/** 10048: Address already in use. 地址已被使用。 */
export const WSAEADDRINUSE = 10048;

/** 10049: Cannot assign requested address. 无法分配请求的地址。 */
export const WSAEADDRNOTAVAIL = 10049;

/** 10050: Network is down. 网络已断开。 */
export const WSAENETDOWN = 10050;

/** 10051: Network is unreachable. 网络不可达。 */
export const WSAENETUNREACH = 10051;

/** 10052: Network dropped connection on reset. 网络重置时连接已断开。 */
export const WSAENETRESET = 10052;

/** 10053: Software caused connection abort. 软件导致连接中止。 */
export const WSAECONNABORTED = 10053;

/** 10054: Connection reset by peer. 连接被对方重置。 */
export const WSAECONNRESET = 10054;

/** 10055: No buffer space available. 没有可用的缓冲区空间。 */
export const WSAENOBUFS = 10055;

/** 10056: Socket is already connected. 套接字已经连接。 */
export const WSAEISCONN = 10056;

/** 10057: Socket is not connected. 套接字尚未连接。 */
export const WSAENOTCONN = 10057;

/** 10058: Cannot send after socket shutdown. 套接字关闭后无法再发送。 */
export const WSAESHUTDOWN = 10058;

/** 10059: Too many references. 引用过多。 */
export const WSAETOOMANYREFS = 10059;

/** 10060: Connection timed out. 连接超时。 */
export const WSAETIMEDOUT = 10060;

/** 10061: Connection refused. 连接被拒绝。 */
export const WSAECONNREFUSED = 10061;

/** 10062: Cannot translate name. 无法转换名称。 */
export const WSAELOOP = 10062;

/** 10063: Name too long. 名称过长。 */
export const WSAENAMETOOLONG = 10063;

/** 10064: Host is down. 主机已关闭。 */
export const WSAEHOSTDOWN = 10064;

/** 10065: No route to host. 没有到主机的路由。 */
export const WSAEHOSTUNREACH = 10065;

/** 10066: Directory not empty. 目录不为空。 */
export const WSAENOTEMPTY = 10066;

/** 10067: Too many processes. 进程过多。 */
export const WSAEPROCLIM = 10067;

/** 10068: User quota exceeded. 超出用户配额。 */
export const WSAEUSERS = 10068;

/** 10069: Disk quota exceeded. 超出磁盘配额。 */
export const WSAEDQUOT = 10069;

/** 10070: Stale file handle reference. 文件句柄引用已失效。 */
export const WSAESTALE = 10070;

/** 10071: Item is remote. 该项位于远程。 */
export const WSAEREMOTE = 10071;

/** 10091: Network subsystem is unavailable. 网络子系统不可用。 */
export const WSASYSNOTREADY = 10091;

/** 10092: Winsock.dll version out of range. Winsock.dll 版本超出范围。 */
export const WSAVERNOTSUPPORTED = 10092;

/** 10093: Successful WSAStartup not yet performed. 尚未成功调用 WSAStartup。 */
export const WSANOTINITIALISED = 10093;

/** 10101: Graceful shutdown in progress. 正在进行正常关闭。 */
export const WSAEDISCON = 10101;

/** 10102: No more results. 没有更多结果。 */
export const WSAENOMORE = 10102;

/** 10103: Call has been canceled. 调用已被取消。 */
export const WSAECANCELLED = 10103;

/** 10104: Procedure call table is invalid. 过程调用表无效。 */
export const WSAEINVALIDPROCTABLE = 10104;

/** 10105: Service provider is invalid. 服务提供程序无效。 */
export const WSAEINVALIDPROVIDER = 10105;

/** 10106: Service provider failed to initialize. 服务提供程序初始化失败。 */
export const WSAEPROVIDERFAILEDINIT = 10106;

/** 10107: System call failure. 系统调用失败。 */
export const WSASYSCALLFAILURE = 10107;

/** 10108: Service not found. 找不到服务。 */
export const WSASERVICE_NOT_FOUND = 10108;

/** 10109: Class type not found. 找不到类类型。 */
export const WSATYPE_NOT_FOUND = 10109;

/** 10110: No more results. 没有更多结果。 */
export const WSA_E_NO_MORE = 10110;

/** 10111: Call was canceled. 调用已被取消。 */
export const WSA_E_CANCELLED = 10111;

/** 10112: Database query was refused. 数据库查询被拒绝。 */
export const WSAEREFUSED = 10112;

/** 11001: Host not found. 找不到主机。 */
export const WSAHOST_NOT_FOUND = 11001;

/** 11002: Nonauthoritative host not found. 找不到主机（非权威应答）。 */
export const WSATRY_AGAIN = 11002;

/** 11003: This is a nonrecoverable error. 这是一个不可恢复的错误。 */
export const WSANO_RECOVERY = 11003;

/** 11004: Valid name, no data record of requested type. 名称有效，但没有所请求类型的数据记录。 */
export const WSANO_DATA = 11004;
