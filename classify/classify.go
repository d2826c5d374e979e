package classify

// Tensor labels one tensor by its name. It never fails: a name it does not
// recognise gets RoleOther and KindNone (see Label.Known).
func Tensor(name string) Label {
	l := Label{
		Role:      RoleOther,
		Component: ComponentLanguageModel,
		Layer:     -1,
		Expert:    -1,
	}
	var s segments
	if name == "" || !s.split(name) {
		l.Module = name
		return l
	}
	if isGGUFName(&s) {
		classifyGGUF(&s, &l)
	} else {
		classifyHF(&s, &l)
	}
	return l
}
