// Package pickle reads Python pickles (protocols 0 to 5) without executing
// them. It is the data half of an unpickler: every opcode builds a value,
// and the opcodes that would import or call something (GLOBAL,
// STACK_GLOBAL, INST, OBJ, REDUCE, NEWOBJ, NEWOBJ_EX, BUILD) build an inert
// Global or Object instead, recording what the pickle named and what it
// would have done with it.
//
// A pickle is a program for a small stack machine: opcodes push values,
// build containers from the items above a MARK, store and fetch values in a
// memo (PUT/GET and their binary forms, MEMOIZE), and STOP returns the top
// of the stack. Python's unpickler imports every global the program names
// and calls whatever REDUCE is given, which is how a pickle runs code
// (a __reduce__ returning (os.system, ("…",)) becomes GLOBAL 'posix system',
// a tuple, REDUCE). Parse never imports or calls: it lists each import in
// Result.Imports with its byte offset and a Safety in the manner of
// picklescan and modelscan — Safe for the data constructors a checkpoint
// needs (IsAllowed) and known harmless classes, Dangerous for modules and
// functions that reach the system (os, subprocess, builtins.exec, …) and
// for any other global the pickle would call, Unknown for a class that is
// only instantiated (the classes of a pickled nn.Module).
//
// Objects keep their arguments, BUILD state and appended items, so that
// data inside them (the tensors of a pickled nn.Module) stays reachable.
// collections.OrderedDict() becomes a Dict, so that a state dict reads as
// one.
//
// A Value is a small handle read through the Result that built it
// (Result.Str, Result.Int, Result.Items, Result.Entries, Result.Object, …).
// Values and the slabs they index hold no pointers: a state dict of
// 100,000 tensors builds a few million values, and a garbage collector
// scanning each of them would cost more than the parse itself.
//
// Everything is bounded: lengths are checked against the bytes remaining
// before anything is sliced, and Limits cap the memo, the stack, MARK
// nesting, integer sizes and the total number of values built, so that
// memory stays proportional to the input. Errors are *format.Error values
// carrying the byte offset of the opcode at fault. EXT1/2/4 (the extension
// registry) and NEXT_BUFFER/READONLY_BUFFER (out-of-band buffers) are
// refused: neither can be resolved from the file alone.
package pickle
