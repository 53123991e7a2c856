fn main() -> std::process::ExitCode {
    partner_roles::cli::main()
}
