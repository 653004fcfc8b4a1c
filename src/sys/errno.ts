// errno numbers: one table for every folder (Linux asm-generic values, the same on x86-64 and
// arm64). Names come from errnoName() in errors.ts; texts from strerror(3).
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EINVAL = 22;
export const EFBIG = 27;
export const ENOSPC = 28;
export const EPIPE = 32;
export const EBADMSG = 74;
export const EMSGSIZE = 90;
export const EOPNOTSUPP = 95;
export const ENETDOWN = 100;
export const ENOBUFS = 105;
export const ETIMEDOUT = 110;
export const ENOTTY = 25;
export const EADDRINUSE = 98;
