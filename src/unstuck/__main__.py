from unstuck.cli import main

main()
