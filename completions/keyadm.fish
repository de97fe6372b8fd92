# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keyadm_global_optspecs
    string join \n db= master-key-file= actor= org= json y/yes q/quiet color= date-format= utc h/help V/version
end

function __fish_keyadm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keyadm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keyadm_using_subcommand
    set -l cmd (__fish_keyadm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keyadm -n "__fish_keyadm_needs_command" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_needs_command" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_needs_command" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_needs_command" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_needs_command" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_needs_command" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_needs_command" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_needs_command" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_needs_command" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_needs_command" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyadm -n "__fish_keyadm_needs_command" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "operator" -d 'The store\'s operators: add, remove, list'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "completions" -d 'Print the completion script for a shell'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "check-signature" -d 'Check a signed request\'s headers: exit 0 valid, 1 invalid'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "trust" -d 'The store\'s trust key for verifiers: `trust export` prints it'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "serve" -d 'Check keys over HTTP for gateways and services (nginx auth_request, POST /v1/verify)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "init" -d 'Create the store and the master key (idempotent)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "generate" -d 'Issue a new key'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "list" -d 'List keys'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "ls" -d 'List keys'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "show" -d 'Show every property of a key'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "edit" -d 'Change a key\'s properties'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "enable" -d 'Enable keys (idempotent)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "disable" -d 'Disable keys (idempotent)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "delete" -d 'Delete disabled keys, permanently'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "rotate" -d 'Give keys new values; the old ones work for a grace period'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "config" -d 'Read and change the store\'s settings'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "org" -d 'Organizations: add, list (a tree with key counts), remove'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "user" -d 'Users: add, list, edit, enable, disable, remove'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "sweep" -d 'Disable expired keys and delete those expired purge-after ago (for cron)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "notify" -d 'Send expiry notices at the notify-days thresholds (for cron)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "audit" -d 'List the audit log, oldest first; `audit verify` checks its hash chain'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "copy" -d 'Put a key\'s value on the clipboard, cleared after a while (audited)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "export" -d 'Write keys to CSV or JSON (with --include-secrets, their values)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "import" -d 'Read keys from an export made with --include-secrets, or an AWS API Gateway CSV'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "verify" -d 'Check a presented key (stdin, --key-file or KEYADM_KEY): exit 0 allowed, 1 denied'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "lookup" -d 'Say which key a value is (stdin, --key-file or KEYADM_KEY), without recording a use'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "sign" -d 'Sign a request with a key\'s value (HMAC-SHA256); prints the X-Keyadm-* headers'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "store" -d 'The whole store: `store copy FROM TO` copies it into an empty one (SQLite or PostgreSQL)'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "scan" -d 'Find key values in files: exit 1 when an active key is found'
complete -c keyadm -n "__fish_keyadm_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -f -a "add" -d 'Record a name (an OS login, or the actor cron jobs declare) as an operator'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -f -a "remove" -d 'Remove an operator (the last one stays)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -f -a "list" -d 'The store\'s operators'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and not __fish_seen_subcommand_from add remove list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "add" -d 'Record a name (an OS login, or the actor cron jobs declare) as an operator'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove an operator (the last one stays)'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "list" -d 'The store\'s operators'
complete -c keyadm -n "__fish_keyadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand completions" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l key-id -d 'The X-Keyadm-Key-Id header: the key\'s ID' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l timestamp -d 'The X-Keyadm-Timestamp header: unix seconds' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l signature -d 'Refused: argv is readable by every user (use --signature-file or KEYADM_SIGNATURE)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l signature-file -d 'A file holding the X-Keyadm-Signature header: v2=<hex> [or KEYADM_SIGNATURE]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l replay-cache -d 'Record accepted signatures in FILE and refuse one seen within the skew window' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -s X -l method -d 'The request\'s method' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l url -d 'The request\'s absolute URL (a path alone only for a v1 signature)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l body-file -d 'The request\'s body (\'-\': stdin, streamed) [default: empty]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l max-skew -d 'How far the timestamp may be from now, either way' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l allow-v1 -d 'Accept an old v1 signature (a no-op in this release, which accepts v1 with a warning; required later)'
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand check-signature" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -f -a "export" -d 'Print the store\'s trust key (needs the master key)'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and not __fish_seen_subcommand_from export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print the store\'s trust key (needs the master key)'
complete -c keyadm -n "__fish_keyadm_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l listen -d 'Where to listen: ADDRESS:PORT (loopback by default) or unix:/path' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l trusted-proxy -d 'A gateway\'s address range whose X-Forwarded-For / X-Real-IP are believed (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l key-header -d 'The header a key may come in when there is no Authorization: Bearer' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l access-log -d 'Write one JSON line per request to FILE (`-`: stdout): key IDs, never values' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l trust-key -d 'The store\'s trust key (from `keyadm trust export`); else KEYADM_TRUST_KEY, else the trust folder' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l require-trust-key -d 'Fail (exit 5) when no trust key is found, rather than verify unsigned rows'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l accept-head -d 'Record the store\'s current audit heads in the head witness, even if behind it (after restoring a backup on purpose)'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand serve" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand init" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -s t -l type -d 'The key\'s type' -r -f -a "internal\t''
external\t''
custom\t''
desktop\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -s d -l description -d 'What the key is for' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -s e -l expires -d 'When it expires: 2027-01-31, 2027-01-31T17:00, RFC 3339, 90d, or never' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l allow -d 'An allow rule of a custom key (repeatable), e.g. \'GET /api/v1/users/*\'' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l origin -d 'An allowed origin host (repeatable), e.g. app.example.com or *.example.com' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l ip -d 'An allowed address or CIDR range (repeatable), e.g. 10.0.0.0/8' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l tag -d 'A tag (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l rotate-every -d 'A rotation policy, e.g. 90d (see rotate --due)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l rate-limit -d 'A rate limit, COUNT/PERIOD (e.g. 100/1m), enforced by each serving process' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l user -d 'Bind the key to one user (external and custom keys), or `all` (the default)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l clear-after -d 'Clear the clipboard after DURATION if it still holds the value; 0 never [default: setting clipboard-clear, 45s]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l show-once -d 'Never store the value: it is shown now and never again'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l copy -d 'Put the value on the clipboard instead of printing it (audited)'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l osc52 -d 'Send the value through the terminal (OSC 52: works over SSH and in tmux) instead'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand generate" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -s s -l search -d 'Keys whose shown columns or tags contain TEXT (case-insensitive)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -s t -l type -d 'Keys of this type' -r -f -a "internal\t''
external\t''
custom\t''
desktop\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l tag -d 'Keys with this tag (repeatable: all must be present)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l expiring-within -d 'Only keys expiring within DURATION (e.g. 30d)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l user -d 'Only keys bound to this user' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l sort -d 'Sort by' -r -f -a "name\t''
issued\t''
expires\t''
type\t''
org\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l columns -d 'The columns to show, in this order (comma-separated, e.g. name,state,expires)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -s o -l format -d 'table (fitted to a terminal), wide (every column, even on a narrow terminal) or tsv (tab-separated, for awk)' -r -f -a "table\t''
wide\t''
tsv\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l enabled -d 'Only enabled keys (not expired)'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l disabled -d 'Only disabled keys'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l expired -d 'Only expired keys (enabled, past their expiry)'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l violations -d 'Only keys that break the max-lifetime setting'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l reverse -d 'Reverse the order'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand list" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -s s -l search -d 'Keys whose shown columns or tags contain TEXT (case-insensitive)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -s t -l type -d 'Keys of this type' -r -f -a "internal\t''
external\t''
custom\t''
desktop\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l tag -d 'Keys with this tag (repeatable: all must be present)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l expiring-within -d 'Only keys expiring within DURATION (e.g. 30d)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l user -d 'Only keys bound to this user' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l sort -d 'Sort by' -r -f -a "name\t''
issued\t''
expires\t''
type\t''
org\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l columns -d 'The columns to show, in this order (comma-separated, e.g. name,state,expires)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -s o -l format -d 'table (fitted to a terminal), wide (every column, even on a narrow terminal) or tsv (tab-separated, for awk)' -r -f -a "table\t''
wide\t''
tsv\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l enabled -d 'Only enabled keys (not expired)'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l disabled -d 'Only disabled keys'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l expired -d 'Only expired keys (enabled, past their expiry)'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l violations -d 'Only keys that break the max-lifetime setting'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l reverse -d 'Reverse the order'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand ls" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l reveal -d 'Show the whole value (audited)'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l value -d 'Print the value alone, for scripts (audited)'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand show" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l name -d 'A new name' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -s d -l description -d 'A new description (\'\' clears it)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -s e -l expires -d 'A new expiry: a date, date and time, RFC 3339, a duration from now, or never' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l tag -d 'Add a tag (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l untag -d 'Remove a tag (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l allow -d 'Add an allow rule (custom keys; repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l disallow -d 'Remove an allow rule (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l origin -d 'Add an allowed origin (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l ip -d 'Add an allowed address or CIDR range (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l rotate-every -d 'A rotation policy (0 removes it)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l user -d 'Bind the key to one user (external and custom keys), or `all`' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l rate-limit -d 'A rate limit, COUNT/PERIOD (e.g. 100/1m), enforced by each serving process' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l type -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l value -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l no-origin -d 'Clear the origin list first (with --origin: replace it)'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l no-ip -d 'Clear the address list first (with --ip: replace it)'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l no-rate-limit -d 'Remove the key\'s rate limit'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand edit" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -s e -l expires -d 'A new expiry (needed to enable an expired key)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand enable" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l reason -d 'Why (shown by show and list, kept in the audit)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand disable" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand delete" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l grace -d 'How long the old values keep working (0: not at all) [default: setting rotation-grace]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l exec -d 'Deliver each new value: run CMD (sh -c) per key with KEYADM_KEY_ID, KEYADM_KEY_NAME, KEYADM_KEY_ORG, KEYADM_KEY_TENANT in its environment and the value on its stdin; if CMD fails, that key\'s rotation is undone' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l due -d 'Rotate every enabled key whose --rotate-every policy is due'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l dry-run -d 'Say which keys would be rotated (and which old values would stop working), change nothing'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand rotate" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -f -a "list" -d 'Every setting, its value and its default'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -f -a "get" -d 'Print one setting\'s value'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -f -a "set" -d 'Change a setting (audited)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and not __fish_seen_subcommand_from list get set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l webhook-format -d 'With notify-webhook: the body\'s format' -r -f -a "json\t''
slack\t''
teams\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l insecure-smtp -d 'With notify-smtp: plain SMTP without TLS, only to a loopback host and without credentials'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every setting, its value and its default'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "get" -d 'Print one setting\'s value'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change a setting (audited)'
complete -c keyadm -n "__fish_keyadm_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -f -a "add" -d 'Create an organization, and its missing parents (acme/emea creates acme)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -f -a "list" -d 'The organizations as a tree, with their keys and users (--org: that subtree)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -f -a "ls" -d 'The organizations as a tree, with their keys and users (--org: that subtree)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -f -a "remove" -d 'Remove an organization and those below it, when no key and no user is in them'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and not __fish_seen_subcommand_from add list ls remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "add" -d 'Create an organization, and its missing parents (acme/emea creates acme)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "list" -d 'The organizations as a tree, with their keys and users (--org: that subtree)'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove an organization and those below it, when no key and no user is in them'
complete -c keyadm -n "__fish_keyadm_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "add" -d 'Register a user in an organization (--org, else the actor\'s, else default)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "list" -d 'List users (--org: at and below it)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "ls" -d 'List users (--org: at and below it)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "edit" -d 'Change a user\'s fields, role or privileges'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "enable" -d 'Enable users (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "disable" -d 'Disable users: keys bound to them deny everything (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "remove" -d 'Remove users: keys bound to them deny everything'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and not __fish_seen_subcommand_from add list ls edit enable disable remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l display-name -d 'The name to show, e.g. \'Alice Martin\'' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l email -d 'Where expiry notices go (admins)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l group -d 'A group (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l role -d 'admin: manages the tenant\'s keys, users and organizations; member: sees them' -r -f -a "admin\t''
member\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l allow -d 'A privilege, as an allow rule (repeatable), e.g. \'GET /api/v1/**\'' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l create-login -d 'On PostgreSQL: create the login role NAME too (operators only; none that exists already). Without --login-password-stdin it has no password (peer or trust authentication)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l login-password-stdin -d 'With --create-login: the role\'s password, read from stdin'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l login-password -d 'With --create-login: ask for the role\'s password on the terminal (twice; nothing is echoed)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l group -d 'Users in this group' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -s s -l search -d 'Users whose name, display name, email, organization or groups contain TEXT' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l group -d 'Users in this group' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -s s -l search -d 'Users whose name, display name, email, organization or groups contain TEXT' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l display-name -d 'A new display name' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l email -d 'A new email (\'\' clears it)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l move-to -d 'Move the user to another organization of the same tenant' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l group -d 'Add a group (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l ungroup -d 'Remove a group (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l role -d 'A new role' -r -f -a "admin\t''
member\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l allow -d 'Add a privilege (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l disallow -d 'Remove a privilege (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from edit" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from enable" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from disable" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "add" -d 'Register a user in an organization (--org, else the actor\'s, else default)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "list" -d 'List users (--org: at and below it)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change a user\'s fields, role or privileges'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Enable users (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Disable users: keys bound to them deny everything (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove users: keys bound to them deny everything'
complete -c keyadm -n "__fish_keyadm_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l dry-run -d 'Say what would be done, change nothing'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -s v -l verbose -d 'Also list the kept keys an earlier sweep already reported'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand sweep" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l exec -d 'Run CMD (sh -c) per notice with KEYADM_KEY_ID, KEYADM_KEY_NAME, KEYADM_KEY_ORG, KEYADM_KEY_TENANT, KEYADM_EXPIRES, KEYADM_DAYS_LEFT, KEYADM_RECIPIENTS; a notice counts as sent only when CMD succeeds' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l dry-run -d 'Say which notices are due, send and record nothing'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l test -d 'Send one test notice through each channel (notify-smtp, notify-webhook) to your tenant\'s recipients; records nothing'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand notify" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l key -d 'Only entries of this key (ID or name; deleted keys too)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l by -d 'Only entries by NAME: the declared actor or the OS account that ran the command' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l action -d 'Only entries of this action (generate, import, reveal, copy, edit, enable, disable, delete, rotate, export, expire, purge, notify, config, org, user)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l since -d 'Entries recorded (real time) at or after: a date (2026-11-01), date and time, RFC 3339, or a duration ago (7d)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l until -d 'Entries at or before: a date (through that day), date and time, RFC 3339, or a duration ago' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l limit -d 'Only the newest N matching entries (still shown oldest first; N ≥ 1)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -f -a "verify" -d 'Check every chain and its HMAC: exit 0 intact, 1 broken (naming the first bad entry)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -f -a "head" -d 'Print the authenticated head of each chain: CHAIN SEQ HASH'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and not __fish_seen_subcommand_from verify head help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l expect -d 'Prove that a chain still holds this head, as `audit head` prints it ("CHAIN SEQ HASH" or CHAIN:SEQ:HASH); exit 1 if not (repeatable)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l accept-head -d 'Record the store\'s current heads in the head witness, even if behind it (after restoring a backup on purpose)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from head" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every chain and its HMAC: exit 0 intact, 1 broken (naming the first bad entry)'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "head" -d 'Print the authenticated head of each chain: CHAIN SEQ HASH'
complete -c keyadm -n "__fish_keyadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l clear-after -d 'Clear the clipboard after DURATION if it still holds the value; 0 never [default: setting clipboard-clear, 45s]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l osc52 -d 'Send the value through the terminal (OSC 52: works over SSH and in tmux) instead'
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand copy" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l format -d 'The file format [default: from the --output extension, else json with --json, else csv]' -r -f -a "csv\t''
json\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -s o -l output -d 'Write to FILE (created 0600; a device or FIFO is written in place; - is stdout) instead of stdout' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -s s -l search -d 'Keys whose shown columns or tags contain TEXT (case-insensitive)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -s t -l type -d 'Keys of this type' -r -f -a "internal\t''
external\t''
custom\t''
desktop\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l tag -d 'Keys with this tag (repeatable: all must be present)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l expiring-within -d 'Only keys expiring within DURATION (e.g. 30d)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l user -d 'Only keys bound to this user' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l sort -d 'Sort by' -r -f -a "name\t''
issued\t''
expires\t''
type\t''
org\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l include-secrets -d 'Put whole key values in the key column (asks for confirmation; audited per key)'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l enabled -d 'Only enabled keys (not expired)'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l disabled -d 'Only disabled keys'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l expired -d 'Only expired keys (enabled, past their expiry)'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l violations -d 'Only keys that break the max-lifetime setting'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l reverse -d 'Reverse the order'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand export" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l dry-run -d 'Check every row and print what would be imported, and where; change nothing (on a missing store, create nothing)'
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand import" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l key-file -d 'Read the key from the first line of this file (else KEYADM_KEY, else stdin)' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l origin -d 'The request\'s Origin header or host, checked against the key\'s origins' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l ip -d 'The client\'s address, checked against the key\'s address ranges' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l method -d 'The request\'s method, checked against a custom key\'s allow rules' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l url -d 'The request\'s path (or full URL), checked against a custom key\'s allow rules' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l trust-key -d 'The store\'s trust key (from `keyadm trust export`); else KEYADM_TRUST_KEY, else the trust folder' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l batch -d 'JSON lines on stdin ({"key", "method", "url", "origin", "ip"}), one decision a line on stdout'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l require-trust-key -d 'Fail (exit 5) when no trust key is found, rather than verify unsigned rows'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l accept-head -d 'With --batch: record the store\'s current audit heads in the head witness, even if behind it (after restoring a backup on purpose)'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand verify" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l key-file -d 'Read the value from the first line of this file (else KEYADM_KEY, else stdin)' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand lookup" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -s X -l method -d 'The request\'s method' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l url -d 'The request\'s absolute URL (its origin, path and query are signed)' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l body-file -d 'The request\'s body (\'-\': stdin, streamed) [default: empty]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand sign" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -f -a "copy" -d 'Copy a whole store into an empty one (SQLite or PostgreSQL, either way), all or nothing'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and not __fish_seen_subcommand_from copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l operator-role -d 'On the target: the source\'s operators become this one role' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l create-logins -d 'On a PostgreSQL target: create a login role for each user (and operator) that has none'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from copy" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy a whole store into an empty one (SQLite or PostgreSQL, either way), all or nothing'
complete -c keyadm -n "__fish_keyadm_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l format -d 'The output: text, json (as --json) or sarif (SARIF 2.1.0, for code-scanning tools)' -r -f -a "text\t''
json\t''
sarif\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l db -d 'The store file, or a PostgreSQL store: postgresql://USER@HOST/DB (no password: ~/.pgpass, PGPASSWORD) [default: $XDG_DATA_HOME/keyadm/keys.db]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l master-key-file -d 'The master key file [default: $XDG_CONFIG_HOME/keyadm/master.key; or KEYADM_MASTER_KEY holds the key]' -r -F
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l actor -d 'Who runs the command [default: the OS login name]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l org -d 'The organization of new keys; with list and export, keys at and below it' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l color -d 'Colours in human output (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l date-format -d 'Date format: iso, us, eu or a strftime pattern [default: KEYADM_DATE_FORMAT if valid, else setting date-format]' -r
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l disable -d 'Disable every active key found, with reason "leaked" (needs the master key)'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l respect-gitignore -d 'Skip files that .gitignore, .ignore and git\'s exclude files name, as ripgrep does (hidden files are still scanned)'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l json -d 'Print JSON (RFC 3339 UTC times)'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -s y -l yes -d 'Answer yes to confirmations (for scripts)'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -s q -l quiet -d 'Print only what a script needs'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -l utc -d 'Show times in UTC instead of local time'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -s h -l help -d 'Print help'
complete -c keyadm -n "__fish_keyadm_using_subcommand scan" -s V -l version -d 'Print version'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "operator" -d 'The store\'s operators: add, remove, list'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "completions" -d 'Print the completion script for a shell'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "check-signature" -d 'Check a signed request\'s headers: exit 0 valid, 1 invalid'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "trust" -d 'The store\'s trust key for verifiers: `trust export` prints it'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "serve" -d 'Check keys over HTTP for gateways and services (nginx auth_request, POST /v1/verify)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "init" -d 'Create the store and the master key (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "generate" -d 'Issue a new key'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "list" -d 'List keys'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "show" -d 'Show every property of a key'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "edit" -d 'Change a key\'s properties'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "enable" -d 'Enable keys (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "disable" -d 'Disable keys (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "delete" -d 'Delete disabled keys, permanently'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "rotate" -d 'Give keys new values; the old ones work for a grace period'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "config" -d 'Read and change the store\'s settings'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "org" -d 'Organizations: add, list (a tree with key counts), remove'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "user" -d 'Users: add, list, edit, enable, disable, remove'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "sweep" -d 'Disable expired keys and delete those expired purge-after ago (for cron)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "notify" -d 'Send expiry notices at the notify-days thresholds (for cron)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "audit" -d 'List the audit log, oldest first; `audit verify` checks its hash chain'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "copy" -d 'Put a key\'s value on the clipboard, cleared after a while (audited)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "export" -d 'Write keys to CSV or JSON (with --include-secrets, their values)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "import" -d 'Read keys from an export made with --include-secrets, or an AWS API Gateway CSV'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "verify" -d 'Check a presented key (stdin, --key-file or KEYADM_KEY): exit 0 allowed, 1 denied'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "lookup" -d 'Say which key a value is (stdin, --key-file or KEYADM_KEY), without recording a use'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "sign" -d 'Sign a request with a key\'s value (HMAC-SHA256); prints the X-Keyadm-* headers'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "store" -d 'The whole store: `store copy FROM TO` copies it into an empty one (SQLite or PostgreSQL)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "scan" -d 'Find key values in files: exit 1 when an active key is found'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and not __fish_seen_subcommand_from operator completions check-signature trust serve init generate list show edit enable disable delete rotate config org user sweep notify audit copy export import verify lookup sign store scan help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "add" -d 'Record a name (an OS login, or the actor cron jobs declare) as an operator'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "remove" -d 'Remove an operator (the last one stays)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "list" -d 'The store\'s operators'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "export" -d 'Print the store\'s trust key (needs the master key)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "list" -d 'Every setting, its value and its default'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "get" -d 'Print one setting\'s value'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "set" -d 'Change a setting (audited)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "add" -d 'Create an organization, and its missing parents (acme/emea creates acme)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "list" -d 'The organizations as a tree, with their keys and users (--org: that subtree)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "remove" -d 'Remove an organization and those below it, when no key and no user is in them'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "add" -d 'Register a user in an organization (--org, else the actor\'s, else default)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "list" -d 'List users (--org: at and below it)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "edit" -d 'Change a user\'s fields, role or privileges'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "enable" -d 'Enable users (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "disable" -d 'Disable users: keys bound to them deny everything (idempotent)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "remove" -d 'Remove users: keys bound to them deny everything'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check every chain and its HMAC: exit 0 intact, 1 broken (naming the first bad entry)'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "head" -d 'Print the authenticated head of each chain: CHAIN SEQ HASH'
complete -c keyadm -n "__fish_keyadm_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "copy" -d 'Copy a whole store into an empty one (SQLite or PostgreSQL, either way), all or nothing'
