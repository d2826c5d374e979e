package classify

import (
	"slices"
	"strings"
	"testing"
)

func FuzzTensor(f *testing.F) {
	for _, rows := range [][]row{hfRows, ggufRows, quantRows} {
		for _, r := range rows {
			f.Add(r.name)
		}
	}
	for _, s := range []string{"", ".", "..", "blk.", "blk.0.", ".weight", "experts.1.", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.0.1.2.3.4.5.6"} {
		f.Add(s)
	}
	roles, comps := Roles(), Components()
	f.Fuzz(func(t *testing.T, name string) {
		l := Tensor(name)
		if l.Layer < -1 || l.Expert < -1 {
			t.Fatalf("%q: layer %d expert %d", name, l.Layer, l.Expert)
		}
		if !slices.Contains(roles, l.Role) {
			t.Fatalf("%q: role %q", name, l.Role)
		}
		if !slices.Contains(comps, l.Component) {
			t.Fatalf("%q: component %q", name, l.Component)
		}
		if !strings.Contains(name, l.Module) {
			t.Fatalf("%q: module %q is not part of the name", name, l.Module)
		}
		if l.Expert >= 0 && l.Role != RoleExpert && l.Role != RoleQuantAux && l.Role != RoleAdapter {
			t.Fatalf("%q: expert index %d on role %q", name, l.Expert, l.Role)
		}
		if l.Fused3D && l.Expert != -1 {
			t.Fatalf("%q: fused tensor with expert index %d", name, l.Expert)
		}
		if again := Tensor(name); again != l {
			t.Fatalf("%q: not deterministic", name)
		}
		// A Memo labels the name as the Classifier does, and so every
		// name it may take for another expert's: the same name with the
		// index after ".experts." changed.
		c := New(Arch{Architecture: "deepseek_v3", Layers: 4})
		m := c.NewMemo()
		variants := []string{name}
		if i := strings.Index(name, expertsSep); i >= 0 {
			at := i + len(expertsSep)
			j := at
			for j < len(name) && name[j] >= '0' && name[j] <= '9' {
				j++
			}
			for _, e := range []string{"0", "7", "12", "007", ""} {
				variants = append(variants, name[:at]+e+name[j:])
			}
		}
		for _, v := range append(variants, variants...) {
			if got, want := m.TensorShape(v, nil), c.TensorShape(v, nil); got != want {
				t.Fatalf("%q: the memo's label %+v, the classifier's %+v", v, got, want)
			}
		}
	})
}
