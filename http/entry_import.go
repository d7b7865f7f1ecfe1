package http

func (s *Server) registerEntryImport() {}
