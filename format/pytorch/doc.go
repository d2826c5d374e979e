// Package pytorch reads PyTorch checkpoints — torch.save files in the zip
// and legacy formats, torch.jit.save archives, sharded .bin sets and Meta's
// consolidated.NN.pth parts — and lists their tensors without torch and
// without running anything the file contains.
//
// # Formats
//
// A checkpoint is a pickle (see package pickle) plus raw storages. The
// pickle describes the object that was saved, usually a state dict: an
// OrderedDict from names to tensors. Each tensor is pickled as a call
//
//	torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)
//
// whose storage argument is a persistent id,
//
//	('storage', torch.FloatStorage, key, location, numel)
//
// naming the storage's class (hence its element type), its key and its
// element count; several tensors may view one storage. nn.Parameters wrap
// that call in torch._utils._rebuild_parameter. Since torch 2.1, dtypes
// without a typed storage class (float8_e4m3fn, uint16, …) are written by
// _rebuild_tensor_v3 with a torch.UntypedStorage of bytes and the dtype as
// a further argument. Quantized tensors use _rebuild_qtensor.
//
// The zip format (torch ≥ 1.6) is a zip archive whose records share a
// prefix directory: PREFIX/data.pkl holds the pickle, PREFIX/data/KEY each
// storage's bytes (stored, not compressed, aligned to 64 bytes),
// PREFIX/version the format version and, since torch 2.1, PREFIX/byteorder
// "little" or "big". Large files use ZIP64. A storage's data offset is
// that of its record, found from the record's local header.
//
// The legacy stream (torch ≤ 1.5, and _use_new_zipfile_serialization=False)
// is five consecutive pickles — the magic number 0x1950a86a20f9469cfc6c,
// the protocol version 1001, a sys_info dict (byte order, type sizes), the
// object, and the sorted list of storage keys — followed by each storage in
// that order as an 8-byte little-endian element count and its bytes. The
// reader parses the pickles, then hops from storage to storage by the
// counts, checking each against the pickle and the bytes remaining.
//
// A TorchScript archive (torch.jit.save) is a zip archive like the above
// with PREFIX/code/ (the compiled module's source, which torch.jit.load
// runs), PREFIX/constants.pkl (a tuple of constant tensors whose storages
// are in PREFIX/constants/) and a data.pkl whose module objects
// (__torch__.* classes) hold the parameters as attributes.
//
// # What a File holds
//
// Tensors are sorted by where they sit in the saved object (Layout): a flat
// state dict; a pickled nn.Module, whose _parameters, _buffers and _modules
// give state-dict names; {"model": …}, {"state_dict": …}, {"ema": …} and
// similar nestings; Lightning checkpoints, whose state_dict is the model
// and whose optimizer_states are optimizer state (Optimizer summarises it:
// exp_avg and exp_avg_sq per parameter mean Adam). Each model tensor is a
// format.Tensor (File, absolute Offset of its first element, Size of the
// bytes its view spans) with a parallel TensorInfo giving its storage,
// storage offset, stride and whether it is an nn.Parameter, so that tied
// weights (TiedTo) and other views of one storage (SharesStorage) are
// exact. Storage dtypes use the safetensors names where safetensors has
// the type (F32, BF16, I64, BOOL, C64, F8_E4M3, …; see StorageDType).
//
// Every import the pickles would perform is in Imports with its byte
// offset and safety; Dangerous reports a file that would run code or reach
// the system when loaded with torch.load. Its tensors are still counted.
//
// # Reading
//
// Everything goes through io.ReaderAt with bounded, positioned reads: for a
// zip archive the tail and central directory, the pickles and the local
// headers of the storage records; for a legacy stream its leading pickles
// and the 8-byte count of each storage. Tensor data is never read, so a
// remote reader serving byte ranges needs only those. Every length, count
// and offset is checked against the bytes remaining before use, sizes are
// overflow-checked, and a tensor must lie inside its storage
// (offset + Σ (size_i − 1)·stride_i < numel). Errors are *format.Error
// values with the byte offset of the field at fault.
package pytorch
