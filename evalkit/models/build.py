"""Build llama.cpp (llama-cpp-python) so it runs on any CPU of the architecture.

pip compiles llama-cpp-python with `-march=native` by default: the library then uses every
instruction the *build* machine has, and crashes on a machine that lacks one, or that
advertises AMX without letting processes use it (a general protection fault at `ldtilecfg`).
evalkit builds it portably instead: x86-64 with AVX2/FMA/F16C (every x86-64 CPU since 2015),
no AVX-512, no AMX; arm64 with the baseline ARMv8 instructions. The wheel is cached under
`$EVALKIT_CACHE/wheels/<version>-<flags hash>/`, so a rebuild happens only when the version or
the flags change (pip's own wheel cache does not know the flags, so it is bypassed).

`evalkit embedded install` (and `scripts/setup.sh`) call `install()`. For speed on one known
CPU, set `EVALKIT_LLAMA_CMAKE_ARGS` (e.g. `-DGGML_NATIVE=ON`) and run it with `--rebuild`.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from evalkit.errors import UserError
from evalkit.paths import cache_dir

LLAMA_CPP_PYTHON = "0.3.36"
_X86_64 = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON "
    "-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF "
    "-DGGML_CPU_ALL_VARIANTS=OFF -DGGML_BACKEND_DL=OFF"
)
_ARM64 = "-DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=armv8-a"
_COMMON = "-DLLAVA_BUILD=OFF"  # no multimodal library: evalkit sends text only
# x86 instructions that must not appear in a portable build (AMX tiles and AVX-512 registers)
FORBIDDEN_X86 = ("ldtilecfg", "tileloadd", "tdpbssd", "tdpbf16ps", "%zmm")


def cmake_args() -> str:
    """The CMake flags of the build: $EVALKIT_LLAMA_CMAKE_ARGS, else the portable set."""
    override = os.environ.get("EVALKIT_LLAMA_CMAKE_ARGS")
    if override:
        return override
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return f"{_X86_64} {_COMMON}"
    if machine in ("aarch64", "arm64"):
        return f"{_ARM64} {_COMMON}"
    return f"-DGGML_NATIVE=OFF {_COMMON}"


def wheel_dir(args: str | None = None) -> Path:
    flags = args if args is not None else cmake_args()
    digest = hashlib.sha256(flags.encode()).hexdigest()[:10]
    return cache_dir() / "wheels" / f"llama-cpp-python-{LLAMA_CPP_PYTHON}-{digest}"


def cached_wheel(args: str | None = None) -> Path | None:
    found = sorted(wheel_dir(args).glob("llama_cpp_python-*.whl"))
    return found[0] if found else None


def build_wheel(rebuild: bool = False) -> Path:
    """The portable wheel, built once (about 4 minutes on 2 cores) and cached."""
    folder = wheel_dir()
    if not rebuild and (wheel := cached_wheel()):
        return wheel
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    args = cmake_args()
    print(
        f"evalkit: building llama.cpp {LLAMA_CPP_PYTHON} for any {platform.machine()} CPU "
        f"(once, about 4-8 minutes): CMAKE_ARGS={args}",
        file=sys.stderr,
        flush=True,
    )
    env = os.environ | {
        "CMAKE_ARGS": args,
        "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2),
    }
    command = [
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir",
        "--disable-pip-version-check", "-q", "-w", str(folder),
        f"llama-cpp-python=={LLAMA_CPP_PYTHON}",
    ]  # fmt: skip
    done = subprocess.run(command, env=env)
    wheel = cached_wheel()
    if done.returncode != 0 or wheel is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise UserError(
            "building llama-cpp-python failed (see pip's output above); it needs a C/C++ "
            "compiler and cmake (Debian: apt-get install build-essential cmake)"
        )
    return wheel


def installed_flags() -> str | None:
    """The CMake flags the installed llama-cpp-python was built with by evalkit, if known."""
    try:
        import llama_cpp
    except ImportError:
        return None
    stamp = Path(llama_cpp.__file__).parent / "EVALKIT_BUILD"
    return stamp.read_text().strip() if stamp.exists() else None


def install(rebuild: bool = False) -> Path:
    """Build (or reuse) the portable wheel and install it into this environment."""
    wheel = build_wheel(rebuild=rebuild)
    if not rebuild and installed_flags() == cmake_args():
        return wheel
    command = [
        sys.executable, "-m", "pip", "install", "--no-deps", "--force-reinstall", "-q",
        "--disable-pip-version-check", str(wheel),
    ]  # fmt: skip
    if subprocess.run(command).returncode != 0:
        raise UserError(f"installing {wheel.name} failed (see pip's output above)")
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.origin:
        raise UserError("llama_cpp is not importable after installing it")
    (Path(spec.origin).parent / "EVALKIT_BUILD").write_text(cmake_args() + "\n")
    return wheel


def ensure_portable(say: Callable[[str], None] | None = None) -> bool:
    """Before embedded models start: if llama-cpp-python is installed but not by evalkit (pip's
    default build, `-march=native`: `pip install "evalkit[embedded]"` gives one), install the
    portable build instead (cached after the first build). Returns whether it installed.
    A build made with $EVALKIT_LLAMA_CMAKE_ARGS by `evalkit embedded install` is kept."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None or installed_flags() == cmake_args():
        return False
    (say or print)(
        "evalkit: the installed llama.cpp was built by pip for this CPU only (-march=native), "
        "which crashes on CPUs that advertise AMX; installing evalkit's portable build once "
        "(evalkit embedded install: about 4-8 minutes to build, then cached)"
    )
    install()
    return True


def library_files() -> list[Path]:
    """The shared libraries of the installed llama-cpp-python."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.origin:
        return []
    return sorted((Path(spec.origin).parent / "lib").glob("*.so"))


def forbidden_instructions(library: Path) -> dict[str, int]:
    """How often each forbidden x86 instruction occurs in `library` (objdump disassembly)."""
    objdump = shutil.which("objdump")
    if objdump is None:
        raise UserError("objdump not found (Debian: apt-get install binutils)")
    text = subprocess.run(
        [objdump, "-d", "--no-show-raw-insn", str(library)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name: text.count(name) for name in FORBIDDEN_X86 if name in text}


def main(argv: list[str]) -> int:
    rebuild = "--rebuild" in argv
    wheel = install(rebuild=rebuild)
    print(f"evalkit: llama.cpp installed from {wheel}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
