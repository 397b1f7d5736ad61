import CSkiffOCISealAtLoad
import SkiffOCICommands

// `skiff-oci`: the OCI runtime alone, runc's command line (`skiff-oci run ID`, `skiff-oci --root R state ID`).
// By now CSkiffOCISealAtLoad's constructor has re-executed the binary sealed where the command needs it.
_ = cskiff_oci_seal_at_load_linked()
RuntimeMain.run(Array(CommandLine.arguments.dropFirst()), program: "skiff-oci")
