package pickle_test

import (
	"fmt"

	"github.com/tensorcount/tensorcount/format/pickle"
)

// A protocol-2 pickle of {"w": os.system("echo hi")}, as Python writes it
// for an object whose __reduce__ returns (os.system, ("echo hi",)).
func ExampleParse() {
	data := []byte("\x80\x02}q\x00X\x01\x00\x00\x00wq\x01cposix\nsystem\nq\x02X\x07\x00\x00\x00echo hiq\x03\x85q\x04Rq\x05s.")
	res, err := pickle.Parse(data, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, im := range res.Imports {
		fmt.Printf("byte %d: %s %s (%s, %s)\n", im.Offset, im.Opcode, im, im.Use, im.Safety)
	}
	for _, e := range res.Entries(res.Value) {
		key, _ := res.Str(e.Key)
		var args []string
		for _, a := range res.ArgTuple(e.Value) {
			s, _ := res.Str(a)
			args = append(args, s)
		}
		fmt.Println(key, "=", res.Func(e.Value), args)
	}
	// Output:
	// byte 13: GLOBAL posix.system (called, dangerous)
	// w = posix.system [echo hi]
}
