package pickle

import "strings"

// Safety classifies an import the way picklescan and modelscan do.
type Safety int

const (
	// Safe: a data constructor or a class known to do nothing but hold
	// data (collections.OrderedDict, torch._utils._rebuild_tensor_v2).
	Safe Safety = iota
	// Unknown: a module attribute that is not known to be harmful but
	// that loading would import, and perhaps instantiate (the class of a
	// pickled nn.Module).
	Unknown
	// Dangerous: an attribute that can run code or touch the system
	// (os.system, builtins.exec), or any attribute that is not known to
	// be harmless but that the pickle would call.
	Dangerous
)

func (s Safety) String() string {
	switch s {
	case Safe:
		return "safe"
	case Unknown:
		return "unknown"
	case Dangerous:
		return "dangerous"
	}
	return "invalid"
}

// Use says what the pickle does with an imported global. Uses are ordered:
// a global both referenced and called is Called.
type Use int

const (
	// Referenced: pushed, stored or passed as an argument.
	Referenced Use = iota
	// Instantiated: the class of NEWOBJ with no arguments, or the class
	// handed to copyreg._reconstructor; unpickling makes an instance
	// without calling its constructor.
	Instantiated
	// Called: the callable of REDUCE, INST or OBJ, or the class of a
	// NEWOBJ with arguments.
	Called
)

func (u Use) String() string {
	switch u {
	case Referenced:
		return "referenced"
	case Instantiated:
		return "instantiated"
	case Called:
		return "called"
	}
	return "invalid"
}

// An Import is one GLOBAL, STACK_GLOBAL or INST opcode: an import that
// unpickling would perform.
type Import struct {
	Module, Name string
	Offset       int64  // byte offset of the opcode
	Opcode       string // GLOBAL, STACK_GLOBAL or INST
	Use          Use
	Safety       Safety
	Reason       string // why it has its Safety, in a few words
}

// String returns "module.name".
func (i Import) String() string { return i.Module + "." + i.Name }

// dangerousModules run code, touch files, processes or the network, or load
// further pickles. A module matches itself and its submodules.
var dangerousModules = []string{
	"os", "posix", "nt", "subprocess", "runpy", "socket", "sys", "shutil",
	"pty", "webbrowser", "pickle", "_pickle", "cPickle", "ctypes", "importlib",
	"code", "commands", "httplib", "http", "requests", "aiohttp", "urllib",
	"urllib2", "bdb", "pdb", "asyncio", "multiprocessing", "signal", "pip",
	"ssl", "torch._inductor", "torch._dynamo", "torch.utils.bottleneck",
	"marshal", "shelve", "dill", "joblib", "tempfile", "glob", "platform",
	"_posixsubprocess", "_thread", "threading",
}

// dangerousNames are single attributes of otherwise harmless modules.
var dangerousNames = map[string]map[string]bool{
	"builtins":                     set("exec", "eval", "compile", "getattr", "setattr", "delattr", "open", "__import__", "breakpoint", "input", "apply", "execfile", "globals", "locals", "vars", "memoryview"),
	"__builtin__":                  set("exec", "eval", "compile", "getattr", "setattr", "delattr", "open", "__import__", "breakpoint", "input", "apply", "execfile", "globals", "locals", "vars", "file"),
	"functools":                    set("partial", "reduce"),
	"operator":                     set("attrgetter", "itemgetter", "methodcaller", "call"),
	"pkgutil":                      set("resolve_name", "get_data"),
	"torch.serialization":          set("load", "_load"),
	"torch":                        set("load", "hub"),
	"torch.hub":                    set("load", "load_state_dict_from_url", "download_url_to_file"),
	"numpy":                        set("load", "loadtxt", "fromfile"),
	"numpy.testing._private.utils": set("runstring"),
	"types":                        set("FunctionType", "CodeType", "LambdaType", "MethodType"),
	"io":                           set("open", "FileIO"),
	"_io":                          set("open", "FileIO"),
	"codecs":                       set("open"),
}

// allowed are the data constructors the pytorch reader interprets.
var allowed = map[string]map[string]bool{
	"collections":            set("OrderedDict"),
	"torch._utils":           set("_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter", "_rebuild_parameter_with_state", "_rebuild_qtensor"),
	"torch._tensor":          set("_rebuild_from_type_v2"),
	"torch":                  set("Size", "device", "UntypedStorage", "ByteStorage"),
	"torch.storage":          set("UntypedStorage", "TypedStorage"),
	"_codecs":                set("encode"),
	"builtins":               set("set", "frozenset", "bytearray", "slice", "complex"),
	"__builtin__":            set("set", "frozenset", "bytearray", "slice", "complex"),
	"numpy.core.multiarray":  set("scalar", "_reconstruct"),
	"numpy._core.multiarray": set("scalar", "_reconstruct"),
	"numpy":                  set("dtype", "ndarray"),
}

// harmless are classes and functions that build plain data or empty
// instances.
var harmless = map[string]map[string]bool{
	"copyreg":                  set("_reconstructor", "__newobj__", "__newobj_ex__"),
	"copy_reg":                 set("_reconstructor"),
	"builtins":                 set("object", "dict", "list", "tuple", "int", "float", "str", "bytes", "bool", "range", "type", "NoneType"),
	"__builtin__":              set("object", "dict", "list", "tuple", "int", "float", "str", "bytes", "unicode", "bool", "long"),
	"torch._utils":             set("_rebuild_sparse_tensor", "_rebuild_nested_tensor", "_rebuild_meta_tensor_no_storage", "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy", "_rebuild_xla_tensor", "_rebuild_mtia_tensor", "_rebuild_tensor_v3"),
	"torch.nn.parameter":       set("Parameter", "Buffer"),
	"torch._utils_internal":    set("get_file_path"),
	"torch.serialization":      set("_get_layout"),
	"numpy.core.numeric":       set("_frombuffer"),
	"numpy._core.numeric":      set("_frombuffer"),
	"numpy.dtypes":             nil, // every dtype class; see isHarmless
	"collections":              set("defaultdict", "Counter", "deque"),
	"argparse":                 set("Namespace"),
	"torch.torch_version":      set("TorchVersion"),
	"pathlib":                  set("PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "Path"),
	"datetime":                 set("datetime", "date", "time", "timedelta", "timezone"),
	"decimal":                  set("Decimal"),
	"fractions":                set("Fraction"),
	"uuid":                     set("UUID"),
	"enum":                     set("Enum"),
	"torch.optim.lr_scheduler": nil,
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// inModule reports whether mod is m or a submodule of m.
func inModule(mod, m string) bool {
	return mod == m || strings.HasPrefix(mod, m+".")
}

// IsAllowed reports whether module.name is one of the data constructors
// the reader interprets: collections.OrderedDict, the torch._utils tensor
// and parameter rebuilders, every torch.*Storage class, torch dtypes
// (torch.float8_e4m3fn, …), torch.Size, torch.device, _codecs.encode,
// builtins.set/frozenset/bytearray/slice/complex and the NumPy scalar and
// array reconstructors.
func IsAllowed(module, name string) bool {
	if allowed[module][name] {
		return true
	}
	if module == "torch" || module == "torch.cuda" {
		if strings.HasSuffix(name, "Storage") && len(name) > len("Storage") {
			return true
		}
		if torchDTypeNames[name] {
			return true
		}
	}
	return false
}

// torchDTypeNames are the torch attributes that are dtypes, layouts or
// memory formats (plain values, pickled by name).
var torchDTypeNames = set(
	"float32", "float", "float64", "double", "float16", "half", "bfloat16",
	"int64", "long", "int32", "int", "int16", "short", "int8", "uint8",
	"uint16", "uint32", "uint64", "bool", "complex32", "chalf", "complex64",
	"cfloat", "complex128", "cdouble", "qint8", "quint8", "qint32", "quint4x2",
	"quint2x4", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
	"float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "bits8",
	"bits16", "bits1x8", "bits2x4", "bits4x2", "int1", "int2", "int3", "int4",
	"int5", "int6", "int7", "uint1", "uint2", "uint3", "uint4", "uint5",
	"uint6", "uint7", "strided", "sparse_coo", "sparse_csr", "sparse_csc",
	"sparse_bsr", "sparse_bsc", "_mkldnn", "contiguous_format",
	"channels_last", "channels_last_3d", "preserve_format",
	"per_tensor_affine", "per_channel_affine", "per_tensor_symmetric",
	"per_channel_symmetric", "per_channel_affine_float_qparams",
)

func isHarmless(module, name string) bool {
	if names, ok := harmless[module]; ok && (names == nil || names[name]) {
		return true
	}
	// nn.Module classes of torch itself: instantiating one runs nothing.
	return inModule(module, "torch.nn.modules") && !strings.HasPrefix(name, "_")
}

// Classify returns the safety of importing module.name for the given use,
// and the reason. Names on the dangerous lists (after picklescan and
// modelscan) are dangerous whatever the use; allowlisted data constructors
// and known harmless classes are safe; anything else is dangerous when the
// pickle would call it and unknown otherwise.
func Classify(module, name string, use Use) (Safety, string) {
	for _, m := range dangerousModules {
		if inModule(module, m) {
			return Dangerous, "module " + m + " can run code or reach the system"
		}
	}
	if dangerousNames[module][name] {
		return Dangerous, module + "." + name + " can run code or reach the system"
	}
	if IsAllowed(module, name) {
		return Safe, "data constructor"
	}
	if isHarmless(module, name) {
		return Safe, "known harmless"
	}
	switch use {
	case Called:
		return Dangerous, "called on load and not a known data constructor"
	case Instantiated:
		return Unknown, "class instantiated on load (its module is imported)"
	}
	return Unknown, "imported on load"
}
