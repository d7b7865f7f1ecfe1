package http

func (s *Server) registerCKAN() {}
