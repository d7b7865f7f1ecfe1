package http

func (s *Server) registerEntries() {}
