package pytorch_test

import (
	"fmt"
	"strings"

	"github.com/tensorcount/tensorcount/format/pytorch"
)

// Open a checkpoint written by torch.save and list its tensors, its
// storage sharing and its imports.
func ExampleOpen() {
	f, err := pytorch.Open("testdata/views.pt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	fmt.Println(f.Kind, f.Layout, len(f.Tensors), "tensors,", f.StorageBytes(), "storage bytes")
	for i, t := range f.Tensors {
		info := f.Info[i]
		note := ""
		switch {
		case info.TiedTo >= 0:
			note = "tied to " + f.Tensors[info.TiedTo].Name
		case info.SharesStorage:
			note = fmt.Sprintf("view of storage %s at %d, stride %v", info.StorageKey, info.StorageOffset, info.Stride)
		}
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-12s %s %v %s", t.Name, t.DType, t.Shape, note)))
	}
	fmt.Println("dangerous:", f.Dangerous())
	// Output:
	// zip state_dict 7 tensors, 184 storage bytes
	// embed.weight F32 [5 3]
	// head.weight  F32 [5 3] tied to embed.weight
	// base         F32 [4 6] view of storage 1 at 0, stride [6 1]
	// slice        F32 [2 6] view of storage 1 at 6, stride [6 1]
	// transpose    F32 [6 4] view of storage 1 at 0, stride [1 6]
	// every_other  F32 [4 3] view of storage 1 at 0, stride [6 2]
	// plain        F32 [7]
	// dangerous: false
}

// Report what a malicious pickle would do, without running it.
func ExampleFile_DangerousImports() {
	f, err := pytorch.Open("testdata/malicious/evil_checkpoint.pt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	for _, im := range f.DangerousImports() {
		fmt.Printf("byte %d: %s %s (%s): %s\n", im.Offset, im.Opcode, im, im.Use, im.Reason)
	}
	fmt.Println(len(f.Tensors), "tensor:", f.Tensors[0].Name, f.Tensors[0].Shape)
	// Output:
	// byte 248: GLOBAL posix.system (called): module posix can run code or reach the system
	// 1 tensor: weight [2 3]
}
