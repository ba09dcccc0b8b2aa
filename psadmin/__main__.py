from psadmin.cli import main

main()
