package pytorch

import "github.com/tensorcount/tensorcount/format"

// storageDTypes maps torch storage class names to dtypes, with
// safetensors-style names where safetensors has the type. The quantized
// storages hold the integer codes of a quantized tensor (QI8 is int8 codes
// with a scale and zero point kept in the pickle).
var storageDTypes = map[string]format.DType{
	"FloatStorage":         {Name: "F32", BlockSize: 1, BlockBytes: 4},
	"HalfStorage":          {Name: "F16", BlockSize: 1, BlockBytes: 2},
	"BFloat16Storage":      {Name: "BF16", BlockSize: 1, BlockBytes: 2},
	"DoubleStorage":        {Name: "F64", BlockSize: 1, BlockBytes: 8},
	"LongStorage":          {Name: "I64", BlockSize: 1, BlockBytes: 8},
	"IntStorage":           {Name: "I32", BlockSize: 1, BlockBytes: 4},
	"ShortStorage":         {Name: "I16", BlockSize: 1, BlockBytes: 2},
	"CharStorage":          {Name: "I8", BlockSize: 1, BlockBytes: 1},
	"ByteStorage":          {Name: "U8", BlockSize: 1, BlockBytes: 1},
	"BoolStorage":          {Name: "BOOL", BlockSize: 1, BlockBytes: 1},
	"ComplexHalfStorage":   {Name: "C32", BlockSize: 1, BlockBytes: 4},
	"ComplexFloatStorage":  {Name: "C64", BlockSize: 1, BlockBytes: 8},
	"ComplexDoubleStorage": {Name: "C128", BlockSize: 1, BlockBytes: 16},
	"QInt8Storage":         {Name: "QI8", BlockSize: 1, BlockBytes: 1},
	"QUInt8Storage":        {Name: "QU8", BlockSize: 1, BlockBytes: 1},
	"QInt32Storage":        {Name: "QI32", BlockSize: 1, BlockBytes: 4},
	"QUInt4x2Storage":      {Name: "QU4X2", BlockSize: 1, BlockBytes: 1},
	"QUInt2x4Storage":      {Name: "QU2X4", BlockSize: 1, BlockBytes: 1},
	// Newer torch releases name these, though they write the v3 form
	// (an UntypedStorage and a dtype global) for them.
	"UInt16Storage":          {Name: "U16", BlockSize: 1, BlockBytes: 2},
	"UInt32Storage":          {Name: "U32", BlockSize: 1, BlockBytes: 4},
	"UInt64Storage":          {Name: "U64", BlockSize: 1, BlockBytes: 8},
	"Float8_e4m3fnStorage":   {Name: "F8_E4M3", BlockSize: 1, BlockBytes: 1},
	"Float8_e5m2Storage":     {Name: "F8_E5M2", BlockSize: 1, BlockBytes: 1},
	"UntypedStorage":         untyped,
	"TypedStorage":           untyped,
	"Float8_e4m3fnuzStorage": {Name: "F8_E4M3FNUZ", BlockSize: 1, BlockBytes: 1},
	"Float8_e5m2fnuzStorage": {Name: "F8_E5M2FNUZ", BlockSize: 1, BlockBytes: 1},
}

// untyped is the element type of an UntypedStorage: bytes.
var untyped = format.DType{Name: "U8", BlockSize: 1, BlockBytes: 1}

// torchDTypes maps the dtype globals of _rebuild_tensor_v3 (torch.float8_…)
// to dtypes.
var torchDTypes = map[string]format.DType{
	"float32": storageDTypes["FloatStorage"], "float": storageDTypes["FloatStorage"],
	"float16": storageDTypes["HalfStorage"], "half": storageDTypes["HalfStorage"],
	"bfloat16": storageDTypes["BFloat16Storage"],
	"float64":  storageDTypes["DoubleStorage"], "double": storageDTypes["DoubleStorage"],
	"int64": storageDTypes["LongStorage"], "long": storageDTypes["LongStorage"],
	"int32": storageDTypes["IntStorage"], "int": storageDTypes["IntStorage"],
	"int16": storageDTypes["ShortStorage"], "short": storageDTypes["ShortStorage"],
	"int8": storageDTypes["CharStorage"], "uint8": storageDTypes["ByteStorage"],
	"bool": storageDTypes["BoolStorage"], "complex32": storageDTypes["ComplexHalfStorage"],
	"complex64": storageDTypes["ComplexFloatStorage"], "complex128": storageDTypes["ComplexDoubleStorage"],
	"cfloat": storageDTypes["ComplexFloatStorage"], "cdouble": storageDTypes["ComplexDoubleStorage"],
	"qint8": storageDTypes["QInt8Storage"], "quint8": storageDTypes["QUInt8Storage"],
	"qint32": storageDTypes["QInt32Storage"], "quint4x2": storageDTypes["QUInt4x2Storage"],
	"quint2x4": storageDTypes["QUInt2x4Storage"],
	"uint16":   storageDTypes["UInt16Storage"], "uint32": storageDTypes["UInt32Storage"],
	"uint64":          storageDTypes["UInt64Storage"],
	"float8_e4m3fn":   storageDTypes["Float8_e4m3fnStorage"],
	"float8_e5m2":     storageDTypes["Float8_e5m2Storage"],
	"float8_e4m3fnuz": storageDTypes["Float8_e4m3fnuzStorage"],
	"float8_e5m2fnuz": storageDTypes["Float8_e5m2fnuzStorage"],
	"float8_e8m0fnu":  {Name: "F8_E8M0", BlockSize: 1, BlockBytes: 1},
	// Two FP4 values per byte; torch's shape counts the bytes.
	"float4_e2m1fn_x2": {Name: "F4_X2", BlockSize: 1, BlockBytes: 1},
	"bits8":            {Name: "BITS8", BlockSize: 1, BlockBytes: 1},
	"bits16":           {Name: "BITS16", BlockSize: 1, BlockBytes: 2},
	"bits1x8":          {Name: "BITS1X8", BlockSize: 1, BlockBytes: 1},
	"bits2x4":          {Name: "BITS2X4", BlockSize: 1, BlockBytes: 1},
	"bits4x2":          {Name: "BITS4X2", BlockSize: 1, BlockBytes: 1},
}

// StorageDType returns the dtype of a torch storage class name
// ("FloatStorage", "BFloat16Storage", "UntypedStorage" → U8).
func StorageDType(class string) (format.DType, bool) {
	d, ok := storageDTypes[class]
	return d, ok
}

// TorchDType returns the dtype of a torch dtype attribute name
// ("float8_e4m3fn" → F8_E4M3).
func TorchDType(name string) (format.DType, bool) {
	d, ok := torchDTypes[name]
	return d, ok
}
