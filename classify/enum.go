package classify

import (
	"fmt"
	"strconv"
)

// enumNames gives the name of each value of a small enumeration, indexed
// by the value. Names are what reports show and JSON holds, so Role,
// Kind and Packing read and write as text everywhere.
type enumNames []string

func (n enumNames) name(v uint8, typ string) string {
	if int(v) < len(n) {
		return n[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

// parse finds the value named s. The empty name is the zero value.
func (n enumNames) parse(s string) (uint8, bool) {
	for v, name := range n {
		if name == s {
			return uint8(v), true
		}
	}
	return 0, s == ""
}

func (n enumNames) unmarshal(b []byte, typ string) (uint8, error) {
	v, ok := n.parse(string(b))
	if !ok {
		return 0, fmt.Errorf("unknown %s %q", typ, b)
	}
	return v, nil
}

func (r Role) String() string                  { return roleNames.name(uint8(r), "Role") }
func (r Role) MarshalText() ([]byte, error)    { return []byte(r.String()), nil }
func (k Kind) String() string                  { return kindNames.name(uint8(k), "Kind") }
func (k Kind) MarshalText() ([]byte, error)    { return []byte(k.String()), nil }
func (p Packing) String() string               { return packingNames.name(uint8(p), "Packing") }
func (p Packing) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (r *Role) UnmarshalText(b []byte) error {
	v, err := roleNames.unmarshal(b, "role")
	*r = Role(v)
	return err
}

func (k *Kind) UnmarshalText(b []byte) error {
	v, err := kindNames.unmarshal(b, "kind")
	*k = Kind(v)
	return err
}

func (p *Packing) UnmarshalText(b []byte) error {
	v, err := packingNames.unmarshal(b, "packing")
	*p = Packing(v)
	return err
}

// ParseRole returns the Role named s ("attention", "expert", …).
func ParseRole(s string) (Role, bool) {
	v, ok := roleNames.parse(s)
	return Role(v), ok && s != ""
}
