from likeness.cli.app import main

main()
