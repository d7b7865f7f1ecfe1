package http

func (s *Server) registerPortalCatalog() {}
