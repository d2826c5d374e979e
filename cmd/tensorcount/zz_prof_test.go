package main
import ("io";"os";"testing")
func TestZZProf(t *testing.T){ args:=os.Getenv("ZZARGS"); if args=="" {t.Skip()}
 for range 20 { run([]string{args}, io.Discard, io.Discard) } }
