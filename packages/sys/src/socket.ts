/** Socket constants (linux/socket.h, linux/net.h, asm-generic/socket.h, x86_64 and arm64 alike), shared by every socket binding here. */

export const AF_UNIX = 1;
export const AF_NETLINK = 16;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_RCVBUFFORCE = 33;
export const SCM_RIGHTS = 1;
export const MSG_NOSIGNAL = 0x4000;
