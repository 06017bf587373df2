from addin.cli import console

console()
