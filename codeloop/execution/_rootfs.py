"""The minimal root the zygote pivots into: the interpreter, its standard library, nothing else.

Standard library only: the zygote imports this file by path, without the rest of codeloop.

Built once per pool, inside the zygote's user and mount namespaces, before it forks any
child (children inherit it and stay warm):
    /                 a small tmpfs, read-only once built
    <stdlib dirs>     read-only binds of the interpreter's standard library and lib-dynload;
                      any site-packages inside them is covered by an empty read-only tmpfs
    <lib dirs>        read-only binds of the system library directories (/usr/lib/<multiarch>
                      ...), the loaded shared objects, the interpreter binary, /etc/ld.so.cache
    <allowed dirs>    read-only binds of the packages an allow-list names (numpy ...)
    /etc              passwd, group and hosts written here (nothing of the host's /etc)
    /dev              null, zero, full, random, urandom (read-only binds of the host's nodes),
                      fd/stdin/stdout/stderr links into /proc, shm -> /tmp
    /proc             a fresh proc of the zygote's PID namespace, read-only
    /tmp              empty; each child mounts a size-limited tmpfs of its own here
Every mount but the device binds is ``nodev,nosuid``; /dev is ``noexec``. The checkout, the
installed codeloop package and its data, site-packages, /root, /home, /var and the rest of /etc
are simply not there. ``pivot_root`` then makes this the root and the old one is detached.
"""

from __future__ import annotations

import ctypes
import errno
import os
import site
import sys
import sysconfig

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
MNT_DETACH = 2
# statvfs flags that are locked on mounts inherited from a more privileged namespace: a bind's
# read-only remount must keep them or the kernel refuses it.
_STATVFS_TO_MS = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                  (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME),
                  (getattr(os, "ST_RELATIME", 4096), MS_RELATIME))
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
DEVICES = ("null", "zero", "full", "random", "urandom")
STAGING = "/tmp"  # where the new root is assembled (a tmpfs over it, private to this namespace)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _enc(text: str | None) -> bytes | None:
    return os.fsencode(text) if text is not None else None


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_enc(source), _enc(target), _enc(fstype), ctypes.c_ulong(flags), _enc(data)),
           f"mount {target}")


def _locked_flags(path: str) -> int:
    flags = os.statvfs(path).f_flag
    return sum(ms for st, ms in _STATVFS_TO_MS if flags & st)


def bind_read_only(source: str, target: str, *, devices: bool = False) -> None:
    """Bind ``source`` on ``target`` (not recursively: no submount comes along), then make the
    bind read-only, nosuid, and nodev unless it is a device node that must stay usable."""
    mount(source, target, None, MS_BIND)
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | _locked_flags(source)
    flags |= MS_NOEXEC if devices else MS_NODEV
    mount(None, target, None, flags)


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _mapped_objects() -> list[str]:
    """Shared objects this process has loaded (so an exec'd interpreter finds them too)."""
    found = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].startswith("/") and ".so" in parts[5]:
                    path = parts[5].strip()
                    if path not in found and os.path.isfile(path):
                        found.append(path)
    except OSError:
        pass
    return found


def plan(allowed: list[str], own_dir: str) -> dict[str, list[str]]:
    """What the root will hold: directories and files to bind, and site dirs to cover."""
    site_dirs = {os.path.realpath(p) for p in [*site.getsitepackages(), site.getusersitepackages()]}
    stdlib = []
    for path in [sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"), *sys.path]:
        real = os.path.realpath(path) if path else ""
        if (real and os.path.isdir(real) and real != own_dir and real not in site_dirs
                and not _under(real, stdlib)):
            stdlib.append(real)
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    libs = []
    for path in ([f"/lib/{multiarch}", f"/usr/lib/{multiarch}"] if multiarch else []) + ["/lib64", "/usr/lib64"]:
        real = os.path.realpath(path)
        if os.path.isdir(real) and not _under(real, libs + stdlib):
            libs.append(real)
    dirs = stdlib + libs
    allow = []
    for path in allowed:
        real = os.path.realpath(path)
        if os.path.exists(real) and not _under(real, dirs + allow):
            allow.append(real)
    files = []
    for path in [os.path.realpath(sys.executable), "/etc/ld.so.cache", *_mapped_objects()]:
        real = os.path.realpath(path)
        if os.path.isfile(real) and not _under(real, dirs + allow) and real not in files:
            files.append(real)
    # A site-packages inside a bound directory (pyenv, /usr/local) is covered with an empty tmpfs.
    cover = sorted(s for s in site_dirs if os.path.isdir(s) and _under(s, dirs))
    return {"dirs": dirs, "allow": allow, "files": files, "cover": cover}


def _mkdirs(root: str, path: str) -> str:
    target = root + path
    os.makedirs(target, mode=0o755, exist_ok=True)
    return target


def _touch(root: str, path: str) -> str:
    _mkdirs(root, os.path.dirname(path))
    target = root + path
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
    return target


_ETC = {
    "passwd": "root:x:0:0:root:/tmp:/nonexistent\nnobody:x:65534:65534:nobody:/nonexistent:/nonexistent\n",
    "group": "root:x:0:\nnogroup:x:65534:\n",
    "hosts": "127.0.0.1 localhost\n::1 localhost\n",
}


def _build_dev(root: str) -> None:
    dev = _mkdirs(root, "/dev")
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=755")
    for name in DEVICES:
        bind_read_only(f"/dev/{name}", _touch(root, f"/dev/{name}"), devices=True)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2"), ("shm", "/tmp")):
        os.symlink(target, f"{dev}/{name}")
    mount(None, dev, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def build_and_enter(layout: dict[str, list[str]]) -> None:
    """Assemble the root at :data:`STAGING`, pivot into it, detach the old root, and make the
    new one read-only. Needs the zygote's own user and mount namespaces; raises ``OSError``
    (the caller then falls back to a read-only view of the whole filesystem and says so)."""
    machine = os.uname().machine
    if machine not in SYS_PIVOT_ROOT:
        raise OSError(errno.ENOSYS, f"pivot_root: no system call number known for {machine}")
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing done here propagates to the host
    root = STAGING
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=755")
    for path in layout["dirs"]:
        bind_read_only(path, _mkdirs(root, path))
    for path in layout["cover"]:  # writable until the allowed packages inside it are bound
        mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,nr_inodes=256,mode=755")
    for path in layout["allow"]:
        bind_read_only(path, _mkdirs(root, path) if os.path.isdir(path) else _touch(root, path))
    for path in layout["cover"]:
        mount(None, root + path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in layout["files"]:
        bind_read_only(path, _touch(root, path))
    for name in os.listdir("/"):  # /lib -> usr/lib and the like, so library paths resolve
        if os.path.islink(f"/{name}") and not os.path.lexists(f"{root}/{name}"):
            os.symlink(os.readlink(f"/{name}"), f"{root}/{name}")
    etc = _mkdirs(root, "/etc")
    for name, text in _ETC.items():
        if not os.path.lexists(f"{etc}/{name}"):
            with open(f"{etc}/{name}", "w") as f:
                f.write(text)
    _build_dev(root)
    mount("proc", _mkdirs(root, "/proc"), "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chmod(_mkdirs(root, "/tmp"), 0o1777)
    os.chdir(root)
    _check(_libc.syscall(SYS_PIVOT_ROOT[machine], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "detach the old root")  # the old root was stacked on "."
    os.chdir("/")
    mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    # The import system must not remember directories that are gone (the zygote's own dir).
    sys.path[:] = [p for p in sys.path if p and os.path.isdir(p)]
    sys.path_importer_cache.clear()
