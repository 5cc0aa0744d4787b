package web

// areas are the route registrations of the page areas, each added by its
// own file's init, so areas can be added without touching a shared list.
var areas []func(*Web, router)

func (w *Web) registerAreaRoutes(r router) {
	for _, register := range areas {
		register(w, r)
	}
}
