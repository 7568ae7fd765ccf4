"""`evalkit embedded install`: llama.cpp built to run on any CPU, and the embedded models."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The embedded llama.cpp models (SmolLM2-135M, Gemma 3 270M).")
    group.command("install")(install_command)
    app.add_typer(group, name="embedded")


def install_command(
    rebuild: bool = typer.Option(False, "--rebuild", help="Build again even if cached."),
) -> None:
    """Build llama.cpp portably (any x86-64 CPU with AVX2, or arm64; cached) and install it.

    Set EVALKIT_LLAMA_CMAKE_ARGS (e.g. "-DGGML_NATIVE=ON") to build for this CPU only.

    Example: evalkit embedded install --rebuild
    """
    from evalkit.models.build import cmake_args, install

    wheel = install(rebuild=rebuild)
    typer.echo(f"llama.cpp installed from {wheel.name} (CMAKE_ARGS: {cmake_args()})")
