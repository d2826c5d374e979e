// Package rangeio reads remote files over HTTP by byte range: an
// io.ReaderAt that fetches what the format readers ask for (plus a
// speculative first block and a growing forward window), keeps it in
// memory for the file's lifetime and on disk between runs, retries what
// is worth retrying, and refuses to mix bytes of two versions of a file.
package rangeio
