/**
 * The posix backend's `NativeNames`: libc's `getaddrinfo`, `getnameinfo`
 * and their numbers on Linux and macOS (see `native_names.ts`).
 *
 * @module
 */

import type { Libc } from "../../../ffi/libc.ts";
import { SOCK_DGRAM, SOCK_STREAM } from "../../constants.ts";
import { eaiToWsa, nameCalls, type NativeNames } from "../native_names.ts";
import { type PosixAbi, translateNameFlags } from "./abi.ts";

/** libc's name calls, with the platform's numbers. */
export function posixNames(c: Libc, abi: PosixAbi): NativeNames {
  return {
    layout: abi.addrinfo,
    sockaddr: abi.sockaddr,
    socktypes: { [SOCK_STREAM]: abi.SOCK_STREAM, [SOCK_DGRAM]: abi.SOCK_DGRAM },
    aiFlags: (flags) => translateNameFlags(abi.nameFlags.ai, flags),
    niFlags: (flags) => translateNameFlags(abi.nameFlags.ni, flags),
    code: (rc) => eaiToWsa(abi, rc),
    nodePerSocktype: true,
    ...nameCalls(c),
  };
}
