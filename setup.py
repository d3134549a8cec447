"""Packaging hook: ship the top-level resources/ folder inside the package as ldn_cds/_resources."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "resources"
        target = Path(self.build_lib) / "ldn_cds" / "_resources"
        for path in source.rglob("*"):
            if path.is_file():
                dest = target / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                self.copy_file(str(path), str(dest))


setup(cmdclass={"build_py": BuildWithResources})
