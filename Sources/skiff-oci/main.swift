import SkiffOCICommands

// `skiff-oci`: the OCI runtime alone, runc's command line (`skiff-oci run ID`, `skiff-oci --root R state ID`).
OCIMain.run(OCICommand.self, arguments: Array(CommandLine.arguments.dropFirst()))
